"""Turning input files into stored articles: loaders, sentence splitting, chunking, the ingest pipeline."""
