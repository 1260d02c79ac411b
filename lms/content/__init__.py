"""Reading content/: parse, validate, render Markdown, sanitize, sync to the database."""
