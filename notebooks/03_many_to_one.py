# %% [markdown]
# # 03 · Many-to-one: reading a whole sequence, giving one answer
#
# A sequence in, one output: the network reads every step, updating its state, and only the
# state after the last step (or a pooling of all of them) goes to the output layer. The
# lecture's example is **sentiment analysis**: words in, one label out. The same topology
# classifies and forecasts series. This notebook trains two recipes and uses a third preset:
#
# 1. **Classification** of variable-length series: which of 9 speakers said a Japanese
#    vowel, from 7 to 29 frames of 12 cepstrum coefficients (`japanese_vowels`, UEA
#    JapaneseVowels). Padding and masking; a confusion matrix.
# 2. **Regression**: next year's sunspot number from the 24 years before
#    (`sunspots_forecast`), plotted against the truth next to an ARIMA model fitted in the
#    same run.
# 3. **Text**: the committed `tweet_sentiment` preset on a few sentences.
#
# Runs on a CPU in a couple of minutes (`RNN_ZOO_NOTEBOOK_FAST=1`, set by the tests, trains
# fewer epochs). Runs go to `$RNN_ZOO_NOTEBOOK_OUT` or a temporary folder.

# %%
import os
import tempfile
from dataclasses import replace
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from matplotlib.ticker import MaxNLocator
from sklearn.metrics import ConfusionMatrixDisplay

from recipes import japanese_vowels, sunspots_forecast
from rnn_zoo import runner
from rnn_zoo.baselines import Arima
from rnn_zoo.presets import get_preset
from rnn_zoo.tasks import Task, TextClassifier, load_task
from rnn_zoo.topologies import many_to_one
from rnn_zoo.training import read_history

FAST = os.environ.get("RNN_ZOO_NOTEBOOK_FAST") == "1"
OUT = Path(os.environ.get("RNN_ZOO_NOTEBOOK_OUT") or tempfile.mkdtemp(prefix="rnn_zoo_"))
# Four recipes' worth of `predict` calls trip TensorFlow's "retracing" notice; it is harmless.
tf.get_logger().setLevel("ERROR")


def plot_history(history, metric, title):
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.3))
    for ax, name in zip(axes, ("loss", metric), strict=True):
        ax.plot(history["epoch"], history[name], label="train")
        ax.plot(history["epoch"], history[f"val_{name}"], label="validation")
        ax.set(xlabel="epoch", ylabel=name, title=f"{title}: {name} per epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    axes[0].legend()
    plt.tight_layout()
    plt.show()


# %% [markdown]
# ## 1. Which speaker? Classifying variable-length series
#
# The recipe is a declaration (`recipes/japanese_vowels.py`): a `SeriesClassifier` task on the
# `uea_japanese_vowels` dataset. `runner.load_splits` reads its splits as the task takes them:
# a list of raw `(frames, 12)` arrays and the speaker names. Utterances have different lengths;
# the task standardises each channel with train statistics inside the model and holds out a
# stratified 10 % of the official train split for early stopping.

# %%
vowels_recipe = japanese_vowels.RECIPE
vowels = runner.load_splits(vowels_recipe)
for split in ("train", "test"):
    series, labels = vowels[split]
    lengths = [len(s) for s in series]
    print(f"{split:>10}: {len(series)} utterances, {min(lengths)}-{max(lengths)} frames")

fig, axes = plt.subplots(1, 4, figsize=(12, 2.8), sharey=True)
train_series, train_labels = vowels["train"]
frames = np.concatenate(train_series)
mean, std = frames.mean(axis=0), frames.std(axis=0)
for ax, speaker in zip(axes, vowels["classes"][:4], strict=True):
    first = train_labels.index(speaker)
    ax.imshow(((train_series[first] - mean) / std).T, aspect="auto", cmap="coolwarm",
              vmin=-2.5, vmax=2.5)
    ax.set(title=f"speaker {speaker}, {len(train_series[first])} frames", xlabel="frame")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
axes[0].set_ylabel("coefficient")
fig.suptitle("One utterance per speaker (standardised LPC cepstrum, 12 coefficients)")
plt.tight_layout()
plt.show()

# %% [markdown]
# A batch needs one length, so shorter series are **padded** at the end, and the model's
# `Masking(mask_value=0.0)` tells the LSTM to skip those steps: its last state is the state
# after the last *real* frame. The task pads raw series with NaN, which its `SeriesNormalizer`
# layer turns into all-zero frames (plus a 0 in a real-step indicator feature that is 1 on
# every real frame, so a real frame can never look like padding).

# %%
quick = vowels_recipe.settings("quick")
padded = keras.utils.pad_sequences(train_series[:3], padding="post", dtype="float32",
                                   value=np.nan)
print("three utterances padded to one batch:", padded.shape,
      "| real frames:", [len(s) for s in train_series[:3]])
model = many_to_one(input_dim=13, mask_value=0.0, cell=quick["cell"],
                                       units=quick["units"], num_classes=9)
for layer in model.layers:
    print(f"{layer.name:<10} {type(layer).__name__:<10} output {layer.output.shape}")

# %% [markdown]
# Training with the recipe (`rnn-zoo train japanese_vowels --profile quick` does the same),
# then the training curves from the run's CSV log.

# %%
vowels_dir = OUT / "japanese_vowels"
vowels_metrics = runner.train(vowels_recipe, profile="quick", out_dir=vowels_dir,
                              epochs=3 if FAST else None, verbose=0)
errors = round((1 - vowels_metrics["test"]["accuracy"]) * vowels_metrics["test"]["examples"])
print(f"test accuracy {vowels_metrics['test']['accuracy']:.4f} "
      f"({errors} errors of {vowels_metrics['test']['examples']}); "
      f"majority class {vowels_metrics['baselines']['majority_class']['accuracy']:.4f}")
plot_history(read_history(vowels_dir / "history.csv"), "accuracy", "japanese_vowels (quick)")

# %% [markdown]
# ### Confusion matrices on the test split
#
# Rows are the true speaker, columns the predicted one. Next to the quick run is the
# committed preset `japanese_vowels` (the `full` profile: a 2-layer bidirectional LSTM with
# mean pooling over the states). Both are tasks: raw test utterances in, speaker names out.

# %%
test_series, test_labels = vowels["test"]
speakers = vowels["classes"]
fig, axes = plt.subplots(1, 2, figsize=(12, 5))
for ax, (title, trained) in zip(axes, [
        ("quick run", load_task(vowels_dir)),
        ("preset (full)", Task.from_preset("japanese_vowels"))], strict=True):
    predicted = trained.predict(test_series, batch_size=len(test_series))
    ConfusionMatrixDisplay.from_predictions(test_labels, predicted, labels=speakers, ax=ax,
                                            colorbar=False, cmap="Blues")
    accuracy = np.mean(np.asarray(predicted) == np.asarray(test_labels))
    ax.set(title=f"{title}: accuracy {accuracy:.3f}", xlabel="predicted speaker",
           ylabel="true speaker")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 2. Forecasting sunspots: many-to-one regression
#
# The same topology with a linear output: a window of the past 24 years in, next year's
# sunspot number out (a `Forecaster` task). The split is chronological (train 1700-1931,
# validation 1932-1962, test 1963-2008), and every test year is predicted from the true years
# before it (one step ahead). The recipe fits an ARIMA model in the same run as the bar to
# beat; its order search over 30 (p, 0, q) takes minutes, so this quick run fits the classic
# AR(9) alone.

# %%
sun_recipe = replace(sunspots_forecast.RECIPE, baselines={
    **sunspots_forecast.RECIPE.baselines,
    "arima": ("rnn_zoo.baselines:Arima", {"orders": [(9, 0, 0)]})})
sun_dir = OUT / "sunspots_forecast"
sun_metrics = runner.train(sun_recipe, profile="quick", out_dir=sun_dir,
                           epochs=5 if FAST else None, verbose=0)
for name, scores in [("GRU (quick)", sun_metrics["test"]), *sun_metrics["baselines"].items()]:
    print(f"{name:>12}: test RMSE {scores['rmse']:.2f}, MAE {scores['mae']:.2f}")
plot_history(read_history(sun_dir / "history.csv"), "mae", "sunspots_forecast (quick)")

# %% [markdown]
# ### Forecast against the truth
#
# Each test year is forecast from the 24 true years before it: `predict` takes raw histories
# and reads their last 24 years (the standardisation and its inverse are layers inside the
# model). Next to the quick run: the committed preset (the `full` profile, whose test RMSE
# beat ARIMA's) and the recipe's ARIMA baseline (`rnn_zoo.baselines.Arima`) refitted here with
# the order the preset's run selected by AIC.

# %%
sun = runner.load_splits(sun_recipe)
parts = {s: np.asarray(sun[s][0][0], np.float64) for s in ("train", "validation", "test")}
whole_series = np.concatenate([parts[s] for s in ("train", "validation", "test")])
all_years = np.arange(1700, 1700 + len(whole_series))
start = len(parts["train"]) + len(parts["validation"])
histories = [whole_series[:t] for t in range(start, len(whole_series))]
preset_info = get_preset("sunspots_forecast").metrics
forecasts = {name: np.ravel(trained.predict(histories)) for name, trained in [
    ("GRU, quick run", load_task(sun_dir)),
    ("GRU, preset (full)", Task.from_preset("sunspots_forecast"))]}
order = tuple(preset_info["baselines"]["arima"]["order"])
forecasts[f"ARIMA{order}"], _ = Arima(orders=[order]).forecast(
    *(([parts[s]], None) for s in ("train", "validation", "test")))

years, truth = all_years[start:], parts["test"]
fig, (whole, zoom) = plt.subplots(2, 1, figsize=(11, 6.5), height_ratios=(1, 1.6))
whole.plot(all_years, whole_series, color="k", lw=1)
first = {"validation": len(parts["train"]), "test": start}
for split, color in (("validation", "tab:orange"), ("test", "tab:red")):
    span = all_years[first[split]:first[split] + len(parts[split])]
    whole.axvspan(span[0], span[-1], color=color, alpha=0.15, label=split)
whole.set(ylabel="sunspot number", title="The series and its chronological split")
whole.legend(loc="upper left")
whole.margins(x=0)
zoom.plot(years, truth, "k-o", ms=3, lw=2, label="truth")
for (name, forecast), style in zip(forecasts.items(), ("-", "-", "--"), strict=True):
    rmse = np.sqrt(np.mean((forecast - truth) ** 2))
    zoom.plot(years, forecast, style, lw=1.5, label=f"{name}: RMSE {rmse:.1f}")
zoom.set(xlabel="year", ylabel="sunspot number",
         title="One-step-ahead forecasts of the test years")
zoom.legend()
zoom.grid(alpha=0.3)
plt.tight_layout()
plt.show()

# %% [markdown]
# The forecasts tend to lag sharp rises: a one-step forecast can only react to a cycle's
# upturn once it has started. The RMSEs in the legend are computed here from the plotted
# forecasts; the recipe's `metrics.json` holds the same numbers for each run.
#
# ## 3. Sentiment: words in, one label out
#
# The lecture's example of this topology. The committed preset `tweet_sentiment` is a
# `TextClassifier`: a bidirectional LSTM over word ids with max pooling over its states,
# trained on 30k tweets under three seeds whose logits one saved model averages (recipe
# `tweet_sentiment`, profile `full`, `ensemble=3`). It is a saved task, so it
# takes raw text: the tweet tokenizer and the vocabulary are layers inside its model.

# %%
sentences = [
    "I love this phone, best purchase this year!",
    "This is not good at all. Worst service ever :(",
    "The train leaves at 9am from platform 2.",
    "not bad, actually pretty fun",
    "ugh, stuck in traffic again",
]
sentiment = get_preset("tweet_sentiment")
classifier = TextClassifier.from_preset("tweet_sentiment")  # checksums verified
for label, text in zip(classifier.predict(sentences), sentences, strict=True):
    print(f"{label}\t{text}")
print(f"\npreset test accuracy {sentiment.metrics['test']['accuracy']:.3f}, macro-F1 "
      f"{sentiment.metrics['test']['macro_f1']:.3f}; TF-IDF + logistic regression "
      f"{sentiment.metrics['baselines']['tfidf_logreg']['accuracy']:.3f} (see its model card)")

# %% [markdown]
# Three tasks, one shape: the recurrent layer compresses a whole sequence into a state, and
# one head reads the answer from it. Notebook 04 keeps an output at *every* step.
