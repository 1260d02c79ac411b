"""Completion reports: figures from plain facts, SVG charts, CSV/XLSX exports, learners' transcripts."""
