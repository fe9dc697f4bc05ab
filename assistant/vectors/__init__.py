"""The Chroma index derived from the library: the only package that imports chromadb."""
