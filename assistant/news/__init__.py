"""News structure over the library: copies of one text across outlets, stories across articles."""
