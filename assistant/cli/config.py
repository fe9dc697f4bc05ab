"""config show and config set: the effective settings, and changing one in the config file."""

from __future__ import annotations

import typer

from .app import assistant, config_app
from .options import JsonOpt
from .output import emit_json, guarded

@config_app.command("show")
def config_show(ctx: typer.Context, as_json: bool = JsonOpt):
    """Print the effective settings (defaults < config file < ASSISTANT_* env < options)."""

    def body():
        cfg = assistant(ctx).settings
        doc = cfg.public_dict()
        doc["config_file"] = str(cfg.config_path)
        if as_json:
            emit_json(doc)
        else:
            for k, v in doc.items():
                print(f"{k} = {v}")

    guarded(as_json, body)


@config_app.command("set")
def config_set(ctx: typer.Context, key: str, value: str, as_json: bool = JsonOpt):
    """Set KEY to VALUE in the config file. Keys are never stored: name the variable that holds one (api_key_env)."""

    def body():
        from ..settings import write_config

        cfg = assistant(ctx).settings
        data = write_config(cfg.config_path, key, value)
        if as_json:
            emit_json({"config_file": str(cfg.config_path), "settings": data})
        else:
            print(f"{key} = {data[key]}  ({cfg.config_path})")

    guarded(as_json, body)
