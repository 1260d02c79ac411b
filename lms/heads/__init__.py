"""What a unit head sees: the people of their units, who is behind, and their units' report."""
