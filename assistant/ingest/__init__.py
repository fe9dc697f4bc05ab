"""Turning input files into stored articles: loaders, sentence splitting, chunking, prepared articles (the writer is library/writer.py)."""
