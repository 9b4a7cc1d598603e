"""Model benchmarks: training against scikit-learn, seed batching, forward pass, explanations."""

from __future__ import annotations

import gc
import statistics
import time
import warnings

import numpy as np
import orjson

from benchmarks.common import best_of, median_of, table, wall_times
from model.data import load_coffee_data, normalization
from model.explain import Explainer
from model.flip import FlipSearch
from model.network import lab_network
from model.train import Recipe, train, train_seeds
from model.trajectory import trace
from service import present

SEEDS = list(range(20))


def bench_training() -> None:
    recipe = Recipe()
    X, Y = load_coffee_data()
    y = Y[:, 0]
    # Adam's trajectory does not depend on the step budget, so the first step at which every
    # sample is right, times the time per step, is our time to 100 %.
    first_perfect: dict[int, int] = {}

    def observe(step: int, z2: np.ndarray) -> None:
        if 0 not in first_perfect and ((z2[0] >= 0) == (y >= 0.5)).all():
            first_perfect[0] = step

    ours, full = [], []
    for seed in SEEDS:
        first_perfect.clear()
        start = time.perf_counter()
        train_seeds(recipe, [seed], observe)
        elapsed = time.perf_counter() - start
        full.append(elapsed)
        if 0 in first_perfect:
            ours.append(elapsed * first_perfect[0] / recipe.steps)
    reached = len(ours)
    rows = [["roastnet full-batch Adam, lr 0.05, time to 100 %", statistics.median(ours),
             f"{reached}/20", 1.0],
            ["roastnet default recipe, all 3000 steps", statistics.median(full), f"{reached}/20",
             statistics.median(full) / statistics.median(ours)]]
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        table("Training to 100 % training accuracy, seeds 0-19",
              ["trainer", "median s", "reach 100 %", "× roastnet"], rows)
        print("(scikit-learn not installed: pip install -e '.[bench]')")
        return
    mean, std = normalization(X)
    Xn = (X - mean) / std
    for name, kwargs in [
        ("scikit-learn MLPClassifier adam, its default lr 0.001", {"solver": "adam"}),
        ("scikit-learn MLPClassifier adam, lr 0.05 as ours", {"solver": "adam",
                                                              "learning_rate_init": 0.05}),
        ("scikit-learn MLPClassifier lbfgs", {"solver": "lbfgs"}),
    ]:
        times, hits = [], 0
        for seed in SEEDS:
            elapsed, ok = _sklearn_time_to_perfect(MLPClassifier, ConvergenceWarning, Xn, y, seed, kwargs)
            times.append(elapsed)
            hits += ok
        rows.append([name, statistics.median(times), f"{hits}/20", statistics.median(times) / rows[0][1]])
    table("Training to 100 % training accuracy, seeds 0-19, same data "
          "(until 100 % or 20,000 epochs)",
          ["trainer", "median s", "reach 100 %", "× roastnet"], rows)


def _sklearn_time_to_perfect(MLPClassifier, ConvergenceWarning, Xn, y, seed, kwargs, cap=20_000):
    """Fit in chunks of epochs (warm start) until every sample is right; return (seconds, reached)."""
    chunk = 50 if kwargs["solver"] == "adam" else cap
    clf = MLPClassifier(hidden_layer_sizes=(3,), activation="logistic", early_stopping=False,
                        random_state=seed, max_iter=chunk, tol=0.0, n_iter_no_change=cap,
                        warm_start=True, **kwargs)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(cap // chunk):
            clf.fit(Xn, y)
            if clf.score(Xn, y) == 1.0:
                return time.perf_counter() - start, True
    return time.perf_counter() - start, False


def bench_seed_batching() -> None:
    recipe = Recipe()
    one = best_of(lambda: train(recipe), 3)
    rows = [["1 seed", one, 1.0, one]]
    for n in (8, 32, 64, 100):
        seeds = list(range(n))
        t = best_of(lambda seeds=seeds: train_seeds(recipe, seeds), 3)
        rows.append([f"{n} seeds, one batch", t, t / one, t / n])
    table("Seed-batched training (default recipe, 3000 steps)",
          ["run", "wall s", "× one seed", "s per seed"], rows)


def bench_snapshots() -> None:
    """Training with the trajectory's snapshots against training without them, interleaved."""
    recipe = Recipe(init="symmetric", perturbation=1e-3)
    runs = {"1 seed": [0], "20 seeds, one batch": SEEDS}
    rows = []
    for name, seeds in runs.items():
        bare, kept = [], []
        for _ in range(5):  # interleaved, so that both see the same load on a shared machine
            bare += wall_times(lambda seeds=seeds: train_seeds(recipe, seeds, snapshots=False), 1)
            kept += wall_times(lambda seeds=seeds: train_seeds(recipe, seeds), 1)
        b, k = statistics.median(bare), statistics.median(kept)
        rows.append([f"{name}: without snapshots (baseline)", b, f"{min(bare):.3f}–{max(bare):.3f}", 1.0])
        rows.append([f"{name}: with {len(train(recipe).snapshots.steps)} snapshots", k,
                     f"{min(kept):.3f}–{max(kept):.3f}", k / b])
    results = train_seeds(recipe, SEEDS)
    traced = median_of(lambda: [trace(r.snapshots) for r in results], 3) / len(results)
    rows.append(["reading one model's trajectory (regions, gradients, distances)", traced, "", ""])
    size = statistics.median(len(orjson.dumps(r.snapshots.to_dict())) for r in results)
    table(f"Training snapshots (3000 steps; stored: {size:,.0f} bytes per model)",
          ["run", "median s", "range of 5", "× baseline"], rows)


def bench_forward() -> None:
    net = lab_network()
    X = np.random.default_rng(0).uniform([150, 11.5], [285, 15.5], (1_000_000, 2))

    def naive() -> np.ndarray:
        Xn = (X - net.mean) / net.std
        A1 = 1 / (1 + np.exp(-(Xn @ net.W1 + net.b1)))
        return 1 / (1 + np.exp(-(A1 @ net.W2 + net.b2)))

    base = best_of(naive)
    folded = best_of(lambda: net.predict_proba(X))
    table("Forward pass, 1,000,000 readings in process",
          ["path", "readings/s", "× naive"],
          [["naive numpy (normalise, then two layers)", 1e6 / base, 1.0],
           ["Network.predict_proba (folded, chunked, in place)", 1e6 / folded, base / folded]])


def bench_explain() -> None:
    net = lab_network()
    explainer = Explainer(net)
    rng = np.random.default_rng(3)
    readings = rng.uniform([150, 11.5], [285, 15.5], (500, 2)).tolist()
    explainer.explain(*readings[0])  # the flip search's grid is built once per model and threshold

    def per_reading(fn) -> float:
        return median_of(lambda: [fn(t, d) for t, d in readings], 5) / len(readings)

    predict = per_reading(explainer.predict_many)
    # the same answer through the batch path, N = 1 (predict_many takes the plain-float path)
    batch_of_one = per_reading(lambda t, d: explainer._many(np.array([t]), np.array([d]), 0.5, None))
    explain = per_reading(explainer.explain)
    parts = [
        ("  of which Shapley values over 200 training readings",
         per_reading(lambda t, d: explainer.shapley(t, d, 0.5))),
        ("  of which every good interval on both axes",
         per_reading(lambda t, d: explainer._intervals(t, d, 0.5))),  # the model's own, as served
        ("  of which the nearest flip", per_reading(lambda t, d: explainer._flip_search(0.5).nearest(
            t, d, bool(explainer.predict_many(t, d).good_roast[0])))),
    ]
    build = median_of(lambda: Explainer(net), 5)
    flips = median_of(lambda: FlipSearch(net, 0.5), 5)
    table("One reading at a time (lab weights, 500 readings in the domain; target: explain ≤ 300 µs)",
          ["call", "µs per reading", "× predict"],
          [["Explainer.predict_many of one (verdict, units, lazy reasons)", predict * 1e6, 1.0],
           ["predict_many of one through the batch path", batch_of_one * 1e6, batch_of_one / predict],
           ["Explainer.explain (+ Shapley, windows, nearest flip)", explain * 1e6, explain / predict],
           *[[name, t * 1e6, t / predict] for name, t in parts],
           ["Explainer(net) once per model", build * 1e6, build / predict],
           ["FlipSearch(net, threshold) once per model and threshold", flips * 1e6, flips / predict]])
    v = explainer.predict_many(*np.array(readings * 20).T)

    def answer() -> object:
        return present.predictions(explainer.predict_many(v.temperature, v.duration))

    batch = median_of(answer, 5)
    gc.freeze()  # as a worker does once the app is loaded (service/wsgi.py)
    frozen = median_of(answer, 5)
    gc.unfreeze()
    verdicts = median_of(lambda: explainer.predict_many(v.temperature, v.duration), 5)
    table("10,000 readings in process (lab weights)", ["call", "ms"],
          [["Explainer.predict_many (verdicts, pushes, states)", verdicts * 1e3],
           ["+ the answer's dicts with the reasons of fired, near_bad and closest", batch * 1e3],
           ["  the same after gc.freeze(), as served", frozen * 1e3]])


def main() -> None:
    bench_training()
    bench_seed_batching()
    bench_snapshots()
    bench_forward()
    bench_explain()


if __name__ == "__main__":
    main()
