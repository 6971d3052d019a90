"""A run's last completed epoch, kept while it trains, so that a killed or crashed run is saved as stopped there.

After every completed epoch the training process writes the run as it stands (model, record,
weight snapshots; each atomically, by `model.training.train.save_result`) to hidden files beside
where the run will be saved: `.NAME.checkpoint.keras`, `.NAME.checkpoint.history.json` and
`.NAME.checkpoint.snapshots.npz`. A hidden name is never listed as a saved run, and it is not a
temporary name, so the sweep leaves it alone while a run trains (`model.hosting.runs_folder`).
When a job ends well the supervisor discards them; when its process dies or fails,
`recover_checkpoint` moves them into place as the run `NAME.keras`, its record saying `stopped`
after epoch N and why (`RunRecord.interrupted`). A run killed before its first epoch has no
checkpoint and fails as before. When the server died with its training process, nobody was left
to do that: `recover_orphaned_checkpoints` saves every checkpoint no training holds, when a server
starts and at each periodic sweep. No Keras here: this runs in the serving process.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from model.files import is_plain_file
from model.hosting.runs_folder import holding_training_lock
from model.shapes import CHECKPOINT_MARK, MODEL_SUFFIX, checkpoint_path_for, history_path_for, snapshot_path_for
from model.training.record import MODEL_DIGEST_KEY, RunRecord, RunRecordError, read_run_record
from model.training.store import write_json_atomically
from model.weights import file_digest

# Why a run saved from a checkpoint that no training held ended: its server stopped while it trained.
SERVER_STOPPED = "The server stopped while this run trained."
_CHECKPOINT_ENDING = CHECKPOINT_MARK + MODEL_SUFFIX


def checkpoint_files(model_path: str | os.PathLike) -> list[Path]:
    """The checkpoint of the run to be saved at `model_path`: model, record and snapshots (whether they exist or not)."""
    checkpoint = checkpoint_path_for(model_path)
    return [checkpoint, history_path_for(checkpoint), snapshot_path_for(checkpoint)]


def discard_checkpoint(model_path: str | os.PathLike) -> None:
    """Remove the run's checkpoint (plain files only): the run was saved, or there is nothing to recover."""
    folder = Path(model_path).parent
    for path in checkpoint_files(model_path):
        if is_plain_file(path, folder):
            path.unlink(missing_ok=True)


def recover_checkpoint(model_path: str | os.PathLike, reason: str) -> RunRecord | None:
    """Save the run's last completed epoch as the run at `model_path`, stopped for `reason`; None when there is none.

    A run already saved under that name is never replaced: the process may have saved the whole run and
    died before saying so, and a checkpoint is only ever older than that. Raises OSError when the files
    cannot be moved, and RunRecordError when the checkpoint's record is damaged.
    """
    model_path = Path(model_path)
    checkpoint, record_path, snapshots = checkpoint_files(model_path)
    if model_path.exists() or not is_plain_file(checkpoint, model_path.parent):
        return None
    record = read_run_record(checkpoint)  # Checked against the checkpoint's model file by its digest.
    if record is None:
        return None
    record = dataclasses.replace(record, status="stopped", interrupted=reason)
    if is_plain_file(snapshots, model_path.parent):
        os.replace(snapshots, snapshot_path_for(model_path))
    # As `model.training.store.save_run`: the record first, naming the model's digest, then the model.
    write_json_atomically({**record.to_json(), MODEL_DIGEST_KEY: file_digest(checkpoint)}, history_path_for(model_path))
    os.replace(checkpoint, model_path)
    record_path.unlink(missing_ok=True)
    return record


def recover_orphaned_checkpoints(runs_directory: str | os.PathLike, reason: str = SERVER_STOPPED) -> list[Path]:
    """Save every checkpoint in the folder that no training holds as a stopped run; return the runs saved.

    A checkpoint nobody holds was left by a server that died with its training process (a container
    restarted, a machine rebooted). One that cannot be saved (damaged, or its run's name taken) is discarded.
    """
    folder = Path(runs_directory)
    if not folder.is_dir() or not any(folder.glob(f".*{_CHECKPOINT_ENDING}")):
        return []
    saved = []
    with holding_training_lock(folder) as held:  # No training runs, and no other replica recovers, meanwhile.
        if not held:
            return []
        for checkpoint in sorted(folder.glob(f".*{_CHECKPOINT_ENDING}")):
            model_path = folder / f"{checkpoint.name[1 : -len(_CHECKPOINT_ENDING)]}{MODEL_SUFFIX}"
            try:
                if recover_checkpoint(model_path, reason) is not None:
                    saved.append(model_path)
            except (OSError, RunRecordError):
                pass  # Damaged: nothing to save.
            discard_checkpoint(model_path)
    return saved
