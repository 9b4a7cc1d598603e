"""The path, query and header parameters of the API, each declared once: name, bounds, default, words.

The views read them (``LIMIT.read()``) and their contracts list them, so openapi.yaml states the
bounds the views enforce.
"""

from __future__ import annotations

from model.data import DEFAULT_DATA_SEED
from model.train import MAX_SEED
from service.columns import CSV_FIELDS, FIELDS
from service.contract import ChoiceQuery, IntQuery, OpenRangeQuery, Param
from service.registry.jobs import STATUSES
from service.schemas import DEFAULT_THRESHOLD, MAX_MODELS_PAGE, MODELS_PAGE
from service.settings import MAX_WAIT

MODEL = Param("model", "query", "id or name of the model to ask; the active model by default",
              {"type": "string", "minLength": 1})
_NAME = "(" + "|".join(FIELDS) + ")"
FIELDS_ASKED = Param(
    "fields", "query",
    "comma-separated prediction fields to answer with, e.g. probability,label; without it, every "
    f"field (in CSV: {','.join(CSV_FIELDS)}). Fields that need no explanation are answered straight "
    "from the forward pass",
    {"type": "string", "pattern": f"^ *{_NAME} *(, *{_NAME} *)*$"}, example="probability,label")
LAYOUT = ChoiceQuery("layout", ("rows", "columns"), "rows",
                     "rows: predictions is a list with an object per reading; columns: predictions is "
                     "an object with a list per field, each in the readings' order (a JSON answer's "
                     "layout: a CSV answer always has a row per reading)")
THRESHOLD = OpenRangeQuery(
    "threshold", 0, 1, DEFAULT_THRESHOLD,
    "the probability at or above which a roast is good, for a body that does not set its own "
    f"threshold (a CSV body, say); {DEFAULT_THRESHOLD} when left out")
BASELINE = ChoiceQuery("baseline", ("data", "mean"), "data",
                       "Shapley baseline: data averages over the model's training readings; mean "
                       "compares with the mean reading alone")
RESOLUTION = IntQuery("resolution", 2, 200, 50, "grid points per axis")
DATA_SEED = IntQuery("data_seed", 0, MAX_SEED, DEFAULT_DATA_SEED, "the generator's seed")
LIMIT = IntQuery("limit", 1, MAX_MODELS_PAGE, MODELS_PAGE, "page size")
OFFSET = IntQuery("offset", 0, 10**9, 0, "skip")
STATUS = ChoiceQuery("status", STATUSES, None, "only jobs in this state")
PREFER = Param("Prefer", "header",
               f"wait=N (RFC 7240; N capped at ROASTNET_MAX_WAIT_SECONDS, {MAX_WAIT} by default): "
               "answer 201 with the finished job if it ends within N seconds, else 202 as without it",
               # Any Prefer value is acceptable: preferences a server does not know are ignored.
               {"type": "string"})
REF = Param("ref", "path", "model id or name",
            # "active" is never a {ref}: OpenAPI matches the concrete /v1/models/active first.
            {"type": "string", "minLength": 1, "pattern": "^[^/]+$"})
JOB = Param("job_id", "path", "job id", {"type": "string", "minLength": 1, "maxLength": 64})
