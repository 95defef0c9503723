"""The release calendar: AI product releases analysts keep in a file in the repository."""
