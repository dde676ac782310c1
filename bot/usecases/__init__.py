"""Use cases: one function per thing a person or the clock asks for, owning its session from open to commit."""
