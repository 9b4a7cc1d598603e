"""The baseline: a bare Flask app that parses a JSON body and answers JSON, nothing else."""

from flask import Flask, request

app = Flask(__name__)


@app.post("/bare")
def bare():
    body = request.get_json()
    return {"echo": body}
