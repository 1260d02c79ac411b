"""The deployment files in deploy/ and production's topology, run for real."""
