"""The minimal routines API that every variant shares; only the run route differs."""
