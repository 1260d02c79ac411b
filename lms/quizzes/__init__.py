"""Quizzes and case-study exercises: sources (YAML, GIFT, Aiken), attempts, grading, marking."""
