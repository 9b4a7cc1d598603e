"""The names of the weight initialisers in model/train.py, importable without numpy (the CLI's parser)."""

from typing import Literal, get_args

Init = Literal["glorot", "symmetric"]
INITS: tuple[Init, ...] = get_args(Init)
DEFAULT_INIT: Init = "glorot"
