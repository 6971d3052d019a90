"""model.training.snapshots: weight snapshots kept while training, saved atomically, listed in the record, replayed by the probe."""

from __future__ import annotations

import numpy as np
import pytest

from model.probe import Probe
from model.shapes import snapshot_path_for
from model.training.snapshots import (
    MAX_EPOCH_SNAPSHOTS,
    SnapshotFileError,
    WeightSnapshot,
    describe_moment,
    load_snapshots,
    moments_to_keep,
    save_snapshots,
)
from model.training.store import load_history
from model.training.train import TrainConfig, network_weights, save_result, train

TINY = TrainConfig(epochs=2, batch_size=64, units=16, dense_units=16, train_subset=1024, learning_rate=5e-3)


def _snapshot(epochs_done: float, seed: int) -> WeightSnapshot:
    rng = np.random.default_rng(seed)
    lstm = [(rng.normal(size=(28, 32)), rng.normal(size=(8, 32)), rng.normal(size=32))]
    head = [(rng.normal(size=(8, 10)), rng.normal(size=10), "softmax")]
    return WeightSnapshot(epochs_done, lstm, head)


def test_save_and_load_round_trip_in_float16(tmp_path):
    path = save_snapshots([_snapshot(0.0, 1), _snapshot(1.0, 2)], tmp_path / "run.snapshots.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["run.snapshots.npz"], "no temporary file is left"
    snapshots = load_snapshots(path)
    assert len(snapshots) == 2 and list(snapshots.epochs_done) == [0.0, 1.0]
    lstm, head = snapshots.weights_at(1)
    expected = _snapshot(1.0, 2)
    np.testing.assert_allclose(lstm[0][1], expected.lstm[0][1], rtol=1e-3, atol=1e-3)
    assert head[0][2] == "softmax" and lstm[0][0].dtype == np.float64
    assert snapshots.lstm[0][0].dtype == np.float16, "stored small"


def test_a_crash_while_saving_keeps_the_previous_file(tmp_path, monkeypatch):
    path = save_snapshots([_snapshot(0.0, 1)], tmp_path / "run.snapshots.npz")
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed while saving")

    monkeypatch.setattr(np, "savez_compressed", crash)
    with pytest.raises(KeyboardInterrupt):
        save_snapshots([_snapshot(0.0, 3)], path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run.snapshots.npz"]


def test_damaged_files_raise_a_clear_error(tmp_path):
    with pytest.raises(SnapshotFileError, match="No snapshots file"):
        load_snapshots(tmp_path / "absent.snapshots.npz")
    broken = tmp_path / "broken.snapshots.npz"
    broken.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(SnapshotFileError, match="is damaged"):
        load_snapshots(broken)


def test_a_pickled_snapshots_file_is_one_plain_sentence_with_numpy_s_words_kept_for_the_log(tmp_path):
    pickled = tmp_path / "run.snapshots.npz"
    np.savez(pickled, epochs_done=np.array([0.0, 1.0]), lstm0_kernel=np.array([object(), None], dtype=object))
    with pytest.raises(SnapshotFileError) as raised:
        load_snapshots(pickled)
    assert str(raised.value) == "run.snapshots.npz is damaged: it is not a snapshots file this app wrote."
    assert "allow_pickle" in str(raised.value.__cause__), "the detail travels with it, for the server's log"
    scalar = tmp_path / "scalar.snapshots.npz"
    np.savez(scalar, epochs_done=np.array(1.0), lstm0_kernel=np.zeros(2))
    with pytest.raises(SnapshotFileError, match="^scalar.snapshots.npz is damaged"):
        load_snapshots(scalar)


def test_an_unreadable_file_is_named_without_its_folder(tmp_path, monkeypatch):
    unreadable = tmp_path / "run.snapshots.npz"
    unreadable.write_bytes(b"")

    def refuse(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("model.training.snapshots.read_plain_file", refuse)
    with pytest.raises(SnapshotFileError) as raised:
        load_snapshots(unreadable)
    assert str(raised.value) == "run.snapshots.npz could not be read: Permission denied."
    assert str(tmp_path) not in str(raised.value)


def test_moments_kept():
    assert moments_to_keep(3) == [0.0, 0.125, 0.25, 0.5, 1.0, 2.0, 3.0]
    long_run = moments_to_keep(200)
    assert len(long_run) == 4 + MAX_EPOCH_SNAPSHOTS and long_run[-1] == 200.0 and long_run[4] == 1.0
    assert [describe_moment(m) for m in (0.0, 0.25, 3.0)] == ["before training", "1/4 of epoch 1", "epoch 3"]


@pytest.mark.slow
def test_a_run_keeps_its_snapshots_and_the_last_replays_the_final_model(tmp_path, mnist):
    result = train(TINY, mnist)
    path = save_result(result, tmp_path / "run.keras")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.history.json", "run.keras", "run.snapshots.npz"]
    record = load_history(path)
    snapshots = load_snapshots(snapshot_path_for(path))
    assert record.snapshots == tuple(snapshots.epochs_done) == (0.0, 0.125, 0.25, 0.5, 1.0, 2.0)
    assert snapshot_path_for(path).stat().st_size < 200_000

    images = mnist[1][0][:32].astype(np.float32) / 255
    final = Probe.from_weights(*network_weights(result.model)).run(images)
    replayed = Probe.from_weights(*snapshots.weights_at(len(snapshots) - 1)).run(images)
    np.testing.assert_allclose(replayed.probabilities, final.probabilities, atol=0.02)  # float16 weights.
    np.testing.assert_array_equal(replayed.probabilities.argmax(1), final.probabilities.argmax(1))
    np.testing.assert_allclose(final.probabilities, result.model.predict(images, verbose=0), atol=1e-5)
    untrained = Probe.from_weights(*snapshots.weights_at(0)).run(images)
    assert (untrained.probabilities.argmax(1) == mnist[1][1][:32]).mean() < (final.probabilities.argmax(1) == mnist[1][1][:32]).mean()
