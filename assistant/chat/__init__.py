"""The terminal chat session: `assistant chat`.

- ``condense``: follow-up questions rewritten into standalone ones (model or deterministic rule)
- ``history``: the conversation within a token budget (oldest turns summarised, then dropped)
- ``store``: sessions saved as JSON in <data dir>/sessions/, resumable; never any keys
- ``session``: the session itself (questions, slash commands, scope), printing through an Output
- ``repl``: the prompt_toolkit loop (line editing, history file, multi-line input, Ctrl-C / Ctrl-D)
"""
