"""The KServe peer: a kserve.Model answering the V1 protocol (``{"instances": [[t, d], ...]}`` →
``{"predictions": [p, ...]}``) from KServe's own model server; run as a script."""

import forward
import numpy as np
from kserve import Model, ModelServer


class Roast(Model):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.weights = forward.load()
        self.ready = True

    def predict(self, payload: dict, headers: dict | None = None) -> dict:
        X = np.asarray(payload["instances"], dtype=float)
        return {"predictions": forward.predict_proba(self.weights, X).tolist()}


if __name__ == "__main__":
    ModelServer().start([Roast("roast")])  # --http_port, --workers, --enable_grpc from the command line
