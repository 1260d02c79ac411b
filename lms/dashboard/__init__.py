"""The home page after sign-in: what each person has to do next, whatever their role."""
