"""The bad-input matrix, continued (issue 15: D7, D8, D10, D15, D16, D17, D20).

Same contract as `test_bad_inputs.py`: each case is a one-line `ValueError`/`TypeError` (exit
status 2 and one stderr line for the CLI) naming the argument, input or file and what was
expected, or a documented result. Documented results here:

- caps: `--beam` / `beam_size` at most the target vocabulary size (73 for g2p_cmudict); a
  g2p word at most the preset's `max_source_length` (32) characters (upper case folds);
  `--length`
  at most 10,000 characters (one step of the in-graph loop each: about 10 s); the char-LM
  SavedModel text endpoint reads the last 100 characters of each text (the training context, what
  `rnn-zoo predict` conditions on);
- zero time steps: `rnn_zoo.check_inputs` and the SavedModel refuse them; a TFLite
  interpreter runs without rnn_zoo, so nothing of ours checks there: the forecaster's file
  takes exactly its `lookback` steps and LiteRT refuses other lengths as it prepares, so
  validate with `rnn_zoo.check_inputs` first;
- a zero `std` (a constant training feature) reads as 1, the training rule;
- in the task form, a g2p word with characters outside the source vocabulary (digits, other
  scripts, blanks) gets a transcription through the OOV id, and a breast_cancer feature that is
  huge but float32-representable gets a class; one past float32 is refused as infinite.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
import tensorflow as tf

import rnn_zoo
from rnn_zoo import cli, datasets, presets
from tests.harness import build_tiny
from tests.reliability.conftest import REPO, subprocess_env
from tests.reliability.models import preset, task
from tests.reliability.test_bad_inputs import Case, _fails, _gives, _hook

# --- helpers ---------------------------------------------------------------------------------


def _cli(argv, ctx, **env):
    """Runs the CLI in-process; raises SystemExit("exit N: <stderr>") for the matrix."""
    for key, value in env.items():
        ctx.monkeypatch.setenv(key, str(value))
    status = cli.main(argv)
    err = ctx.capsys.readouterr().err
    raise SystemExit(f"exit {status}: {err}")


def _preset_copy(ctx, name: str, edit, file: str = "task.json") -> str:
    """A presets dir holding a copy of preset `name` whose `file` (the task record: what
    `predict` reads) went through `edit`, checksums rewritten (a user's own preset: it
    verifies, it is just incomplete)."""
    root = ctx.tmp / "presets"
    shutil.copytree(presets.presets_dir() / name, root / name)
    path = root / name / file
    metrics = json.loads(path.read_text())
    edit(metrics)
    path.write_text(json.dumps(metrics))
    (root / name / presets.CHECKSUMS).unlink()
    presets.write_checksums(root / name)
    return str(root)


def _run_copy(ctx, name: str, text: str) -> str:
    """A run directory (a task folder) with the preset's task and a metrics.json of `text`."""
    run = ctx.tmp / "run"
    run.mkdir()
    for file in ("model.keras", "task.json"):
        shutil.copy(presets.presets_dir() / name / file, run / file)
    (run / "metrics.json").write_text(text)
    return str(run)


def _without(*keys):
    def edit(metrics):
        node = metrics
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]
    return edit


def _metrics_without(name, key) -> str:
    metrics = json.loads((presets.presets_dir() / name / "metrics.json").read_text())
    del metrics[key]
    return json.dumps(metrics)


def _features(value: str) -> list[str]:
    """One breast_cancer INPUT: 30 raw features as JSON numbers."""
    return ["[" + ",".join([value] * 30) + "]"]


def _no_warnings(call):
    """`call()`'s result; fails on any warning (a RuntimeWarning leaking to the user)."""
    def run(ctx):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return call(ctx)
    return run


def _zero_std(ctx):
    """A constant feature in the training rows (std 0): the task standardises it with std 1
    (the training rule), so a row at the means gets a finite probability, not 0 / 0."""
    from rnn_zoo.tasks import TabularClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype("float32")
    x[:, 3] = 7.0
    y = np.where(x[:, 0] > 0, "high", "low").tolist()
    clf = TabularClassifier(units=4, epochs=1, batch_size=16, seed=0)
    clf.fit(x, y, verbose=0)
    return np.asarray(clf.model.predict(x.mean(axis=0, keepdims=True), verbose=0))


def _transcribed(words):
    """Checks `word  PHONEMES` lines, one per word, each with at least one phoneme."""
    def check(out):
        lines = out.splitlines()
        assert [line.split()[0] for line in lines] == words, out
        assert all(len(line.split()) > 1 for line in lines), out
    return check


def _probability(outputs) -> None:
    assert np.isfinite(outputs).all() and outputs.shape[0] == 1, outputs


# --- D7: a metrics.json missing a key; D15: a bad metrics.json -------------------------------


def _metrics_cases() -> list[Case]:
    return [
        # A preset is a task folder: `predict` reads its task record (task.json).
        _fails("D7-preset-task-without-state",
               lambda ctx: _cli(["predict", "breast_cancer", *_features("1.0")], ctx,
                                RNN_ZOO_PRESETS_DIR=_preset_copy(
                                    ctx, "breast_cancer", _without("state"))),
               SystemExit, "task.json", "'state'"),
        _fails("D7-preset-task-without-config",
               lambda ctx: _cli(["predict", "breast_cancer", *_features("1.0")], ctx,
                                RNN_ZOO_PRESETS_DIR=_preset_copy(
                                    ctx, "breast_cancer", _without("config"))),
               SystemExit, "task.json", "'config'"),
        _fails("D7-tweet-preset-task-without-config",
               lambda ctx: _cli(["predict", "tweet_sentiment", "good"], ctx,
                                RNN_ZOO_PRESETS_DIR=_preset_copy(
                                    ctx, "tweet_sentiment", _without("config"))),
               SystemExit, "task.json", "'config'"),
        _fails("D7-run-metrics-without-test",
               lambda ctx: _cli(["evaluate", "breast_cancer", "--out", _run_copy(
                   ctx, "breast_cancer", _metrics_without("breast_cancer", "test"))], ctx),
               SystemExit, "metrics.json", "'test'"),
        _fails("D15-run-metrics-not-json",
               lambda ctx: _cli(["evaluate", "breast_cancer", "--out",
                                 _run_copy(ctx, "breast_cancer", "{not json")], ctx),
               SystemExit, "metrics.json", "not valid JSON"),
        _fails("D15-run-metrics-a-list",
               lambda ctx: _cli(["evaluate", "breast_cancer", "--out",
                                 _run_copy(ctx, "breast_cancer", "[]")], ctx),
               SystemExit, "metrics.json", "JSON object"),
    ]


# --- D8: caps on --beam, --length and input lengths ------------------------------------------


def _g2p_translator(beam_size):
    return task("g2p_cmudict").translate(["zoology"], beam_size=beam_size)


def _tiny_beam(width):
    from rnn_zoo.decoding import beam_search, encoder_decoder_parts

    model = rnn_zoo.encoder_decoder(source_vocab_size=7, target_vocab_size=6, units=4)
    return beam_search(encoder_decoder_parts(model), np.array([[4, 5]], "int32"), start_id=2,
                       end_id=3, max_length=3, beam_width=width)


def _cap_cases() -> list[Case]:
    return [
        _fails("D8-cli-beam-3000000000",
               lambda ctx: _cli(["predict", "g2p_cmudict", "zoology", "--beam", "3000000000"],
                                ctx), SystemExit, "`beam_size`", "[1, 73]", "target vocabulary"),
        _fails("D8-cli-beam-100000",
               lambda ctx: _cli(["predict", "g2p_cmudict", "zoology", "--beam", "100000"], ctx),
               SystemExit, "`beam_size`", "[1, 73]"),
        _gives("D8-hook-beam-at-the-cap",
               lambda ctx: _hook("g2p_cmudict", ["zoology"], beam=73),
               _transcribed(["zoology"])),
        _fails("D8-hook-beam-74", lambda ctx: _hook("g2p_cmudict", ["zoology"], beam=74),
               ValueError, "`beam_size`", "[1, 73]"),
        _fails("D8-translate-beam_size-past-vocabulary",
               lambda ctx: _g2p_translator(10**9), ValueError, "`beam_size`", "73"),
        _fails("D8-beam_search-beam_width-past-vocabulary", lambda ctx: _tiny_beam(7),
               ValueError, "`beam_width`", "6"),
        _gives("D8-beam_search-beam_width-at-vocabulary", lambda ctx: _tiny_beam(6),
               lambda found: tuple(found.ids.shape) == (1, 3)),
        _fails("D8-hook-word-past-max-source-length",
               lambda ctx: _hook("g2p_cmudict", ["ok", "a" * 33]), ValueError, "`texts[1]`",
               "at most max_source_length=32"),
        _gives("D8-hook-word-at-max-source-length",
               lambda ctx: _hook("g2p_cmudict", ["a" * 32]), _transcribed(["a" * 32])),
        _fails("D8-cli-length-past-the-cap",
               lambda ctx: _cli(["predict", "char_lm_shakespeare", "--length", "10001"], ctx),
               SystemExit, "`length`", "[1, 10000]"),
    ]


# --- D10: invalid UTF-8 in predict inputs ----------------------------------------------------

_INVALID = "\udcff\udcfe"  # what Python makes of the bytes ff fe in sys.argv (surrogateescape)


def _utf8_cases() -> list[Case]:
    return [
        _fails("D10-cli-tweet-invalid-utf8",
               lambda ctx: _cli(["predict", "tweet_sentiment", _INVALID], ctx), SystemExit,
               "INPUT 1", "UTF-8"),
        _fails("D10-cli-g2p-invalid-utf8-second",
               lambda ctx: _cli(["predict", "g2p_cmudict", "ok", "a" + _INVALID], ctx),
               SystemExit, "INPUT 2", "UTF-8"),
        _fails("D10-cli-prompt-invalid-utf8",
               lambda ctx: _cli(["predict", "char_lm_shakespeare", "--prompt", _INVALID,
                                 "--length", "2"], ctx), SystemExit, "--prompt", "UTF-8"),
        _fails("D10-cli-tweet-invalid-utf8-second",
               lambda ctx: _cli(["predict", "tweet_sentiment", "fine", _INVALID], ctx),
               SystemExit, "INPUT 2", "UTF-8"),
        _fails("D10-cli-breast_cancer-invalid-utf8",
               lambda ctx: _cli(["predict", "breast_cancer", _INVALID], ctx), SystemExit,
               "INPUT 1", "UTF-8"),
    ]


# --- D15: errno and library messages that name no argument -----------------------------------


def _load(ctx, name="breast_cancer", split="train", **kwargs):
    return datasets.load(name, split=split, **{"data_dir": ctx.data_dir, **kwargs})


def _dataset_cases() -> list[Case]:
    splits = ["train[:abc]", "train+", "+train", "train[", "train[:200%]", "train[::2]",
              "train[:1000]"]
    return [
        _fails("D15-load-unknown-version", lambda ctx: _load(ctx, "breast_cancer:9.9.9"),
               ValueError, "name:", "'9.9.9'", "1.0.0"),
        _fails("D15-load-version-not-a-version", lambda ctx: _load(ctx, "breast_cancer:abc"),
               ValueError, "name:", "'abc'"),
        *[_fails(f"D15-load-split={s}", lambda ctx, s=s: _load(ctx, split=s), ValueError,
                 "split:", repr(s)) for s in splits],
        _gives("D15-load-split-slices-still-work",
               lambda ctx: _load(ctx, split="train[:10%]+test[5:]"),
               lambda ds: isinstance(ds, tf.data.Dataset)),
        *[_fails(f"D15-load-data_dir={d}", lambda ctx, d=d: _load(ctx, data_dir=d), ValueError,
                 "data_dir:", d) for d in ("/proc/x", "/proc/x/y", "/sys/x")],
        _fails("D15-load-data_dir-a-file", lambda ctx: _load(ctx, data_dir=str(ctx.file)),
               ValueError, "data_dir:", "not a directory"),
        _fails("D15-load-manual_dir-a-file",
               lambda ctx: _load(ctx, "tiny_shakespeare", data_dir=str(ctx.tmp / "tfds"),
                                 manual_dir=str(ctx.file)), ValueError, "manual_dir:",
               "not a directory"),
        _fails("D15-cli-train-data-dir-proc",
               lambda ctx: _cli(["train", "breast_cancer", "--data-dir", "/proc/x", "--out",
                                 str(ctx.tmp / "run"), "--verbose", "0"], ctx), SystemExit,
               "data_dir:", "/proc/x"),
    ]


# --- D16: garbage with exit status 0 ----------------------------------------------------------


def _tflite_empty_sequence(ctx):
    """The sunspots TFLite artifact on zero time steps: what the interpreter says."""
    interpreter = tf.lite.Interpreter(
        model_path=str(presets.presets_dir() / "sunspots_forecast" / "model.tflite"))
    index = interpreter.get_input_details()[0]["index"]
    out = interpreter.get_output_details()[0]["index"]
    interpreter.resize_tensor_input(index, [1, 0, 1])
    try:
        interpreter.allocate_tensors()
        interpreter.set_tensor(index, np.zeros((1, 0, 1), np.float32))
        interpreter.invoke()
    except RuntimeError as e:
        return str(e)
    return f"ran: {interpreter.get_tensor(out)!r}"


def _id_model():
    """A tiny token classifier (Embedding of 11 ids)."""
    return build_tiny("many_to_one_lstm")[2]


def _garbage_cases() -> list[Case]:
    return [
        _fails("D16-cli-g2p-empty",
               lambda ctx: _cli(["predict", "g2p_cmudict", "ok", ""], ctx), SystemExit,
               "`texts[1]`", "is empty"),
        # Documented (the task form): characters outside the source vocabulary map to its OOV
        # id and the word still gets a transcription (the old hook refused them).
        *[_gives(f"D16-cli-g2p-{label}",
                 lambda ctx, w=word: _hook("g2p_cmudict", ["ok", w]),
                 lambda out: len(out.splitlines()) == 2)
          for label, word in (("digits", "123"), ("japanese", "日本語"), ("blank", "  "),
                              ("letters-and-digits", "r2d2"))],
        _gives("D16-hook-g2p-upper-case-folds",
               lambda ctx: (_hook("g2p_cmudict", ["CAT"]), _hook("g2p_cmudict", ["cat"])),
               lambda outs: outs[0].split()[1:] == outs[1].split()[1:] != []),
        _gives("D16-hook-g2p-apostrophe-and-hyphen",
               lambda ctx: _hook("g2p_cmudict", ["o'neil", "x-ray"]),
               _transcribed(["o'neil", "x-ray"])),
        _fails("D16-check_inputs-negative-id",
               lambda ctx: rnn_zoo.check_inputs(_id_model(), np.array([[2, -1, 3]])),
               ValueError, "ids must be in"),
        _fails("D16-check_inputs-fractional-id",
               lambda ctx: rnn_zoo.check_inputs(_id_model(), np.array([[2.0, 1.5, 3.0]])),
               TypeError, "integer ids"),
        _fails("D16-check_inputs-id-wrapping-int32",
               lambda ctx: rnn_zoo.check_inputs(_id_model(), np.array([[2, 2**32 + 1]])),
               ValueError, "ids must be in"),
        _fails("D16-check_inputs-float-id-wrapping-int32",
               lambda ctx: rnn_zoo.check_inputs(_id_model(), np.array([[2.0, 2.0**32 + 1]])),
               ValueError, "ids must be in"),
        _fails("D16-check_inputs-bool-ids",
               lambda ctx: rnn_zoo.check_inputs(_id_model(), np.array([[True, False]])),
               TypeError, "integer ids", "bool"),
        # Documented (the task form): the forecaster's file takes exactly its `lookback` steps,
        # and LiteRT itself (no rnn_zoo there) refuses another length when it prepares.
        _gives("D16-tflite-zero-time-steps-are-refused-by-the-interpreter",
               _tflite_empty_sequence, lambda message: "failed to prepare" in message),
        _fails("D16-check_inputs-refuses-zero-time-steps-for-the-tflite-model",
               lambda ctx: rnn_zoo.check_inputs(preset("sunspots_forecast")[1],
                                                np.zeros((1, 0, 1))),
               ValueError, "at least 1 time step"),
        _gives("D16-breast_cancer-zero-std-reads-as-1", _zero_std, _probability),
        # Documented (the task form): a float32-representable huge feature gets a class (the
        # old hook refused it as too large); one past float32 is refused as infinite.
        _gives("D16-breast_cancer-huge-feature",
               lambda ctx: _hook("breast_cancer", _features("3e38")),
               lambda out: out.split("\t")[0] in ("malignant", "benign")),
    ]


# --- D17: the char-LM text endpoint's length cap ---------------------------------------------


def _char_lm_endpoint(text_length: int, **kwargs):
    from rnn_zoo.exporters.text import char_lm_servable

    model = build_tiny("many_to_many_lstm")[2]  # 11 token ids
    vocabulary = ["", "[UNK]", *"abcdefghi"]
    servable = char_lm_servable(model, vocabulary, name="tiny", **kwargs)
    endpoint = servable.endpoints["serving_default"]
    fn = tf.function(endpoint.fn, input_signature=[dict(endpoint.inputs)])
    return fn({"text": tf.constant(["ab" * (text_length // 2), "abc"])})


def _text_cases() -> list[Case]:
    return [
        _gives("D17-char-lm-text-endpoint-reads-the-last-100-characters",
               lambda ctx: _char_lm_endpoint(10_000),
               lambda out: out["logits"].shape[1] == 100),
        _gives("D17-char-lm-text-endpoint-max_length",
               lambda ctx: _char_lm_endpoint(50, max_length=8),
               lambda out: out["logits"].shape[1] == 8),
        _fails("D17-char-lm-max_length-0", lambda ctx: _char_lm_endpoint(4, max_length=0),
               ValueError, "`max_length`"),
    ]


# --- D20: stderr noise ------------------------------------------------------------------------


def _noise_cases() -> list[Case]:
    return [
        _gives("D20-tweet-predict-prints-no-warning",
               _no_warnings(lambda ctx: _hook("tweet_sentiment", ["good day", "bad day"])),
               lambda out: len(out.splitlines()) == 2),
        _fails("D20-breast_cancer-1e308-no-runtime-warning",
               _no_warnings(lambda ctx: _hook("breast_cancer", _features("1e308"))),
               ValueError, "`x[0]`", "infinite"),
    ]


FIXED = [*_metrics_cases(), *_cap_cases(), *_utf8_cases(), *_dataset_cases(),
         *_garbage_cases(), *_text_cases(), *_noise_cases()]


class _Context:
    def __init__(self, tmp, file, data_dir, capsys, monkeypatch):
        self.tmp, self.file, self.data_dir = tmp, file, data_dir
        self.capsys, self.monkeypatch = capsys, monkeypatch


@pytest.fixture
def ctx(tmp_path, capsys, monkeypatch, breast_cancer_data_dir):
    file = tmp_path / "a_file"
    file.write_text("not a directory")
    monkeypatch.delenv("RNN_ZOO_PRESETS_DIR", raising=False)
    return _Context(tmp_path, file, breast_cancer_data_dir, capsys, monkeypatch)


@pytest.mark.parametrize("case", FIXED, ids=[c.id for c in FIXED])
def test_bad_input_more(case: Case, ctx):
    if case.error is None:
        verdict = case.check(case.call(ctx))
        assert verdict is None or bool(verdict), verdict  # checks assert, or return a bool
        return
    with pytest.raises(case.error) as info:
        case.call(ctx)
    message = str(info.value)
    if case.error is SystemExit:
        assert message.startswith("exit 2: ") and message.count("\n") == 1, message
        assert "Traceback" not in message
    else:
        assert "\n" not in message.strip(), message
    for needle in case.needles:
        assert needle in message, (needle, message)


def test_cases_are_unique():
    assert len({c.id for c in FIXED}) == len(FIXED)


# --- D20: offline `train imdb_reviews` fails fast and leaves nothing behind (a subprocess: the
# point is the time it takes and the folders it leaves) ---------------------------------------

_OFFLINE = """
import socket, sys
def offline(*args, **kwargs):
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
socket.getaddrinfo = offline  # no network, deterministically (DNS fails at once)
from rnn_zoo import cli
sys.exit(cli.main(sys.argv[1:]))
"""


def test_offline_catalog_dataset_fails_fast_and_leaves_nothing(tmp_path):
    data_dir, out = tmp_path / "tfds", tmp_path / "run"
    env = subprocess_env()
    env.pop("RNN_ZOO_MANUAL_DIR", None)  # no manual file anywhere: TFDS would download
    start = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _OFFLINE, "train", "imdb_reviews", "--data-dir",
             str(data_dir), "--out", str(out), "--verbose", "0"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("offline `rnn-zoo train imdb_reviews` still running after 60 s")
    elapsed = time.monotonic() - start
    err = [line for line in proc.stderr.splitlines() if line.startswith("rnn-zoo")]
    assert proc.returncode == 2 and len(err) == 1, proc.stderr[-2000:]
    assert "imdb_reviews" in err[0] and "manual" in err[0], err
    assert elapsed < 45, elapsed
    left = sorted(str(p.relative_to(tmp_path)) for p in data_dir.rglob("*")) \
        if data_dir.exists() else []
    assert left == [], left
