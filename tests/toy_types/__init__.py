"""A toy question type, added the way a real one is: a module and its template, nothing else."""
