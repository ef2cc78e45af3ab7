# %% [markdown]
# # 04 · Many-to-many: an output at every step, generated Shakespeare, and the next word
#
# The lecture's motivating example: **predict the next word from the words before it**. Done
# at the level of characters, it is the synced many-to-many topology: at every step $t$ the
# network reads character $x_t$, updates its state, and predicts character $x_{t+1}$. Input
# and target are the same text shifted by one. Trained on Shakespeare, the model learns
# spelling, names, verse layout and punctuation, and can then **generate** text by sampling a
# character, feeding it back in, and repeating.
#
# Recipe: `char_lm_shakespeare` (`recipes/char_lm_shakespeare.py`, a declaration: the task
# `LanguageModel`, the data, the profiles, the baselines, the bar). Data: TFDS
# `tiny_shakespeare` (about 1M characters, its own train / validation / test split),
# prepared offline from the exact source file in `../shared/tfds_manual`. We train the quick
# profile (a 1-layer GRU) with the one driver, `rnn_zoo.runner`, to see learning happen, and
# generate with the committed preset `char_lm_shakespeare` (a 2-layer LSTM of 512 units,
# validation loss 1.40 nats/char), a `LanguageModel` that takes raw text.
#
# Runs on a CPU in a few minutes (`RNN_ZOO_NOTEBOOK_FAST=1`, set by the tests, trains one
# epoch and generates short samples). Runs go to `$RNN_ZOO_NOTEBOOK_OUT` or a temporary
# folder.

# %%
import os
import tempfile
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from rnn_zoo import runner
from rnn_zoo.data import char_vectorizer, vocabulary_of
from rnn_zoo.presets import get_preset
from rnn_zoo.recipe_finder import get_recipe
from rnn_zoo.tasks import LanguageModel, load_task
from rnn_zoo.topologies import many_to_many
from rnn_zoo.training import read_history

FAST = os.environ.get("RNN_ZOO_NOTEBOOK_FAST") == "1"
OUT = Path(os.environ.get("RNN_ZOO_NOTEBOOK_OUT") or tempfile.mkdtemp(prefix="rnn_zoo_"))
RECIPE = get_recipe("char_lm_shakespeare").RECIPE  # the declaration
QUICK = RECIPE.settings("quick")

# %% [markdown]
# ## The data: text in, the same text shifted by one out
#
# `runner.load_splits` reads the recipe's data as the task takes it: each split is one text.
# A character vectorizer adapted on the train text maps every character to an id (0 is
# padding, 1 unknown), as the task does inside its model.

# %%
splits = runner.load_splits(RECIPE)
texts = {split: splits[split][0][0] for split in ("train", "validation", "test")}
for split, text in texts.items():
    print(f"{split:>10}: {len(text):>9,} characters")
print("\n" + texts["train"][:250])

vectorizer = char_vectorizer([texts["train"]])
vocabulary = vocabulary_of(vectorizer)
print(f"vocabulary: {len(vocabulary)} ids, e.g. {vocabulary[2:20]}")

# %% [markdown]
# For a chunk of text, the inputs are its characters 1..n and the targets characters 2..n+1.
# Every step has a target, which is what makes this many-to-many *synced*.

# %%
chunk = texts["train"][:13]
ids = np.asarray(vectorizer([chunk]))[0]
print(f"{'step':>4}  {'input':>5} {'id':>3}  ->  {'target':>6}")
for t in range(len(chunk) - 1):
    print(f"{t:>4}  {chunk[t]!r:>5} {ids[t]:>3}  ->  {chunk[t + 1]!r:>6}")

# %% [markdown]
# ## The model: one prediction per step
#
# `many_to_many` with a GRU cell (the quick profile's backbone) embeds each id, runs a GRU
# with `return_sequences=True`, and applies the same `Dense` layer to the state of every step:
# the output has a time axis, `(batch, time, vocabulary)` logits.

# %%
model = many_to_many(vocab_size=len(vocabulary), num_classes=len(vocabulary),
                     cell=QUICK["cell"], units=QUICK["units"],
                     embedding_dim=QUICK["embedding_dim"])
for layer in model.layers:
    print(f"{layer.name:<10} {type(layer).__name__:<10} output {layer.output.shape}")

# %% [markdown]
# ## Training the quick profile
#
# `runner.train` fits the recipe's task on windows of 100 characters (early stopping on the
# validation text), then measures the mean cross-entropy (nats per character) on the test
# text next to unigram and bigram character models fitted on the train text in the same run,
# and saves the task beside `metrics.json`.

# %%
run_dir = OUT / "char_lm_shakespeare"
metrics = runner.train(RECIPE, profile="quick", out_dir=run_dir, epochs=1 if FAST else None,
                       verbose=0)
test, baselines = metrics["test"], metrics["baselines"]
print(f"quick GRU: test {test['loss']:.3f} nats/char ({test['bits_per_token']:.2f} bits), "
      f"next-character accuracy {test['accuracy']:.3f}")
for name, values in baselines.items():
    print(f"{name:>9}: test {values['loss']:.3f} nats/char")

# %%
history = read_history(run_dir / "history.csv")
preset = get_preset("char_lm_shakespeare")
full = read_history(preset.path / "history.csv")

fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
left.plot(np.asarray(history["epoch"]) + 1, history["loss"], "o-", label="train")
left.plot(np.asarray(history["epoch"]) + 1, history["val_loss"], "o-", label="validation")
left.set(xlabel="epoch", ylabel="loss (nats/char)", title="Quick profile: 1-layer GRU, 128 units")
right.plot(np.asarray(full["epoch"]) + 1, full["loss"], "o-", label="train")
right.plot(np.asarray(full["epoch"]) + 1, full["val_loss"], "o-", label="validation")
right.set(xlabel="epoch", title="The preset's run: 2-layer LSTM, 512 units (full profile)")
for ax in (left, right):
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for name, style in (("unigram", ":"), ("bigram", "--")):
        ax.axhline(baselines[name]["loss"], color="gray", ls=style,
                   label=f"{name} baseline (test)")
    ax.grid(alpha=0.3)
    ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# After the quick run (two epochs) the GRU is well below the bigram model (which only knows the
# previous character); everything below that line comes from the state carrying more than
# one character of context. The run folder is a `LanguageModel`: here is the quick model's
# own text at temperature 0.8.

# %%
quick_lm = load_task(run_dir)
print(quick_lm.generate("ROMEO:", length=200, temperature=0.8, seed=0))

# %% [markdown]
# ## One prediction per character: where is the text surprising?
#
# Run the preset over a passage of validation text it never trained on. At every step it
# outputs a distribution over the next character; the **surprisal** $-\log_2 p(x_{t+1})$ is
# the number of bits the model needs for the character that actually came. Colouring each
# character by it shows what the state has learned: the rest of a word is cheap, the start
# of a new word or a name is expensive.

# %%
lm = LanguageModel.from_preset("char_lm_shakespeare")  # raw text in; checksums verified
preset_model, preset_vocabulary = lm.backbone, lm.vocabulary  # character ids in, logits out
index = {ch: i for i, ch in enumerate(preset_vocabulary)}
start = texts["validation"].index("\n\n", 1000) + 2
passage = texts["validation"][start:start + 101]
passage_ids = np.asarray([[index.get(ch, 1) for ch in passage]], np.int32)
logits = preset_model.predict_on_batch(passage_ids[:, :-1])[0]  # (100, vocabulary)
log_probs = np.asarray(keras.ops.log_softmax(logits, axis=-1))
surprisal = -log_probs[np.arange(100), passage_ids[0, 1:]] / np.log(2)
print(f"mean surprisal over the passage: {surprisal.mean():.2f} bits/char")

fig, ax = plt.subplots(figsize=(10, 2.8))
colors = plt.get_cmap("Reds")
row, col = 0, 0
ax.text(0, 0, passage[0], family="monospace", fontsize=13, ha="center", va="center")
for ch, bits in zip(passage[1:], surprisal, strict=True):
    col += 1
    if ch == "\n":
        row, col = row + 1, -1
        continue
    ax.text(col, -row, ch, family="monospace", fontsize=13, ha="center", va="center",
            bbox={"boxstyle": "square,pad=0.15", "fc": colors(min(bits / 8, 1.0)), "ec": "none"})
width = max(len(line) for line in passage.splitlines())
ax.set(xlim=(-1, width + 1), ylim=(-row - 0.7, 0.7))
ax.axis("off")
sm = plt.cm.ScalarMappable(cmap=colors, norm=plt.Normalize(0, 8))
fig.colorbar(sm, ax=ax, label="surprisal (bits)", fraction=0.03)
ax.set_title("Each character coloured by how surprising the preset found it")
plt.show()

# %% [markdown]
# ## Temperature: reshaping the next-character distribution
#
# To generate, we sample the next character from $\operatorname{softmax}(z / T)$, where $z$
# are the logits and $T$ the **temperature**. $T < 1$ sharpens the distribution towards the
# most likely character (safe, repetitive text); $T > 1$ flattens it (varied, then
# misspelled text). Here is the preset's distribution for the character after a prompt.

# %%
prompt = "ROMEO:\nBut soft, what light through yonder window breaks? It is the "
prompt_ids = np.asarray([[index.get(ch, 1) for ch in prompt]], np.int32)
last = np.asarray(preset_model.predict_on_batch(prompt_ids))[0, -1].astype(np.float64)
last[:2] = -np.inf  # padding and unknown are never sampled (as in `LanguageModel.generate`)
top = np.argsort(last)[::-1][:8]
fig, axes = plt.subplots(1, 3, figsize=(12, 3), sharey=True)
for ax, temperature in zip(axes, (0.5, 1.0, 1.5), strict=True):
    probs = np.exp((last - last[2:].max()) / temperature)
    probs /= probs.sum()
    labels = [{" ": "space", "\n": "newline"}.get(preset_vocabulary[i], preset_vocabulary[i])
              for i in top]
    ax.bar(labels, probs[top])
    ax.tick_params(axis="x", labelrotation=45)
    ax.set(title=f"T = {temperature}", xlabel="next character")
axes[0].set_ylabel("probability")
fig.suptitle(f"p(next character | ...{prompt[-30:]!r})")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Generated Shakespeare at several temperatures
#
# `LanguageModel.generate` reads the prompt through the model once, keeps the final state of both
# LSTM layers, and then generates in a loop inside the graph (`rnn_zoo.decoding.generate`):
# sample the next character from the tempered distribution, feed it back with the carried
# state, repeat. Each character costs one step of the two cells, not a pass over a window of
# context (the recurrent neuron of notebook 00 at work; about 21x faster than rerunning the
# last 100 characters, `benchmarks/README.md`). Same prompt, same random seed, four
# temperatures.

# %%
length = 30 if FAST else 400
for temperature in (0.2, 0.5, 0.8, 1.2):
    text = lm.generate("ROMEO:\n", length=length, temperature=temperature, seed=1)
    print(f"==== temperature {temperature} ====\n{text}\n")

# %% [markdown]
# At 0.2 the text is well spelled but loops on the most likely phrases; around 0.5-0.8 it
# reads like (nonsensical) Shakespeare, with speaker names, line breaks and verse rhythm; at
# 1.2 the rarer choices compound and words start to break. All of it comes from one
# next-character predictor applied at every step: the synced many-to-many topology.

# %% [markdown]
# ## The lecture's example itself: the next *word*
#
# The same topology one level up: the preset `multi30k_next_word` (recipe
# `multi30k_next_word`) is a `LanguageModel(level="word")`, a one-layer LSTM of 384 units
# trained on the 29,000 English captions of Multi30k. Every sentence starts with `<s>`, and
# the model predicts `<s>` again after a sentence's last word: that is how it says "the
# sentence ends here". Its test perplexity on `test_2016_flickr` stands next to an
# interpolated Kneser-Ney 3-gram model fitted on the same words in the same run.

# %%
words = LanguageModel.from_preset("multi30k_next_word")
word_metrics = get_preset("multi30k_next_word").metrics
print(f"LSTM test perplexity {word_metrics['test']['perplexity']:.2f} over "
      f"{word_metrics['test']['tokens']:,} tokens; Kneser-Ney 3-gram "
      f"{word_metrics['baselines']['kneser_ney_3gram']['perplexity']:.2f}, unigram "
      f"{word_metrics['baselines']['unigram']['perplexity']:.2f}")

prompts = ("a man in a", "two dogs are", "a little girl is")
fig, axes = plt.subplots(1, len(prompts), figsize=(13, 3.2), sharey=True)
for ax, prompt in zip(axes, prompts, strict=True):
    top_words = words.next_tokens(prompt, top_k=8)  # [(word, probability), ...]
    ax.bar([w.replace("<s>", "(end)") for w, _ in top_words], [p for _, p in top_words])
    ax.tick_params(axis="x", labelrotation=45)
    ax.set(title=f"p(next word | {prompt!r})", xlabel="next word")
axes[0].set_ylabel("probability")
plt.tight_layout()
plt.show()

# %% [markdown]
# The distribution after "a man in a" is mostly colours (the captions describe clothes), after
# "two dogs are" it is verbs. Generation carries the LSTM state from word to word exactly as
# for characters; at a temperature near zero it takes the most likely word at every step.

# %%
for prompt in prompts:
    print(words.generate(prompt, length=10, temperature=1e-4, seed=0))
print(words.generate("a woman", length=12, temperature=0.8, seed=3))

# %% [markdown]
# The encoder-decoder topology (translation, pronunciation) is the subject of notebook 05.
