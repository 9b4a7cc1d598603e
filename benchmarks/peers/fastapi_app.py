"""The FastAPI peer: one reading or {"readings": [...]}, validated by pydantic, answered with the
probability and label; served by uvicorn with uvloop and httptools (``fastapi[standard]``)."""

import forward
import numpy as np
from fastapi import FastAPI
from pydantic import BaseModel, Field

WEIGHTS = forward.load()
app = FastAPI()


class Reading(BaseModel):
    temperature: float = Field(ge=0, le=500)
    duration: float = Field(gt=0, le=120)


class Batch(BaseModel):
    readings: list[Reading] = Field(min_length=1, max_length=10_000)


@app.post("/v1/predict")
def predict(body: Reading | Batch) -> dict:
    readings = body.readings if isinstance(body, Batch) else [body]
    X = np.array([(r.temperature, r.duration) for r in readings])
    p = forward.predict_proba(WEIGHTS, X)
    return {"predictions": [{"probability": float(q), "label": "good" if q >= 0.5 else "bad"}
                            for q in p]}
