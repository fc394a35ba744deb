"""The eval suite (datasets, tasks, scorers). See evals/README.md."""
