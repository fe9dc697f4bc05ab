"""Briefings: multi-article news summaries in which every sentence cites its sources."""
