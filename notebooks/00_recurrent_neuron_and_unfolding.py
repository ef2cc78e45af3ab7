# %% [markdown]
# # 00 · The recurrent neuron, unfolding through time, and vanishing gradients
#
# A recurrent layer is one small network applied at every step of a sequence. Its output at
# step $t$, the **hidden state** $h_t$, is fed back as an extra input at step $t+1$:
#
# $$h_t = \tanh(x_t W + h_{t-1} U + b), \qquad h_0 = 0.$$
#
# $W$ (input to state), $U$ (state to state) and $b$ are the same at every step: that is what
# lets one layer read sequences of any length. This notebook
#
# 1. steps that equation by hand in NumPy and checks it against `keras.layers.SimpleRNN`;
# 2. draws the network **unrolled through time**: a deep feed-forward network with one layer
#    per step and shared weights;
# 3. runs **backpropagation through time** on a 100-step sequence and plots how much the loss
#    at the last step depends on every earlier step, for SimpleRNN, LSTM and GRU: the
#    vanishing (and exploding) gradient problem, and what the gates change;
# 4. shows what `return_sequences` and `return_state` return;
# 5. carries the state at inference: a trained forecaster run one step at a time through its
#    exported TFLite step model reproduces the whole-sequence output.
#
# The running example is a real series: the yearly mean sunspot numbers 1700-2008 (the
# `sunspots` dataset of `rnn_zoo.datasets`, which notebook 03 forecasts). Nothing is trained
# here, so the notebook runs in well under a minute on a CPU.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

import rnn_zoo
from rnn_zoo import datasets
from rnn_zoo.data import fit_normalization, sliding_windows

keras.utils.set_random_seed(0)
SPLITS = ("train", "validation", "test")

# %% [markdown]
# ## The data: 309 years of sunspots
#
# `rnn_zoo.datasets.load` reads the `sunspots` dataset of the `sunspots_forecast` recipe (an
# offline TFDS builder, no download): each split is one example holding its years in order. We
# standardise with the statistics of the train years only, as the recipe does.

# %%
series = {}
for split in SPLITS:
    batch = tfds.as_numpy(datasets.load("sunspots", split=split, batch_size=-1))
    series[split] = np.asarray(batch["value"][0], np.float64)
    series[f"{split}_years"] = batch["year"][0]
years = np.concatenate([series[f"{s}_years"] for s in SPLITS])
raw = np.concatenate([series[s] for s in SPLITS])
norm = fit_normalization(series["train"])
values = norm.apply(raw).astype("float32")

fig, ax = plt.subplots(figsize=(10, 2.5))
ax.plot(years, raw, lw=1)
ax.set(xlabel="year", ylabel="sunspot number", title="Yearly mean sunspot number (~11-year cycle)")
ax.margins(x=0)
plt.show()

# %% [markdown]
# ## 1. A SimpleRNN stepped by hand
#
# We build a Keras `SimpleRNN` with 4 units, read its three weight tensors, and run the
# recurrence ourselves: one line of NumPy per step, with the state carried from one step to
# the next. `return_sequences=True` makes Keras return $h_t$ for every step, so the two can be
# compared step by step.

# %%
steps = 60
x = values[None, :steps, None]  # (batch=1, time=60, features=1)

layer = keras.layers.SimpleRNN(4, return_sequences=True)
keras_states = np.asarray(layer(x))[0]  # (60, 4); calling the layer also creates its weights

W = layer.cell.kernel.numpy()  # (features, units) = (1, 4)
U = layer.cell.recurrent_kernel.numpy()  # (units, units) = (4, 4)
b = layer.cell.bias.numpy()  # (units,) = (4,)

h = np.zeros(4, np.float32)  # h_0 = 0
by_hand = []
for t in range(steps):
    h = np.tanh(x[0, t] @ W + h @ U + b)  # the recurrent neuron; h is fed back next step
    by_hand.append(h)
by_hand = np.stack(by_hand)

np.testing.assert_allclose(by_hand, keras_states, rtol=1e-5, atol=1e-6)
print(f"W {W.shape}, U {U.shape}, b {b.shape}")
print(f"largest difference hand vs Keras over {steps} steps: "
      f"{np.abs(by_hand - keras_states).max():.1e}")

# %%
fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 4), sharex=True)
top.plot(years[:steps], x[0, :, 0], color="k")
top.set(ylabel="input $x_t$")
bottom.plot(years[:steps], keras_states, lw=2, alpha=0.5, label=[f"unit {i}" for i in range(4)])
bottom.plot(years[:steps], by_hand, "k:", lw=1)
bottom.set(xlabel="year", ylabel="state $h_t$",
           title="Hidden state: Keras (colour) and stepped by hand (dotted) coincide")
bottom.legend(ncol=4, fontsize=8, loc="lower right")
plt.tight_layout()
plt.show()

# %% [markdown]
# The state is a running summary of everything read so far: each unit responds to the cycle
# with its own mix of the current input and its memory of the past.
#
# ## 2. Unrolled through time
#
# Drawn with its loop (left), the layer is one cell. Unrolled (right), it is a feed-forward
# network with one copy of the cell per step, the copies chained by $U$ and all sharing the same
# $W$, $U$, $b$. Training it is ordinary backpropagation through this unrolled graph:
# **backpropagation through time** (BPTT). The gradient of the loss at the last step reaches
# step $t$ only through the chain of $U$ arrows between $t$ and the end (red).


# %%
def box(ax, xy, text, color):
    ax.add_patch(FancyBboxPatch((xy[0] - 0.35, xy[1] - 0.3), 0.7, 0.6,
                                boxstyle="round,pad=0.05", fc=color, ec="k"))
    ax.text(*xy, text, ha="center", va="center", fontsize=12)


def arrow(ax, start, end, label="", color="k", style="-|>", offset=(0.12, 0.0), **kw):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=14,
                                 color=color, lw=1.5, **kw))
    if label:
        middle = (np.add(start, end) / 2) + offset
        ax.text(*middle, label, color=color, fontsize=11, ha="left", va="center")


fig, ax = plt.subplots(figsize=(12, 4.2))
# Folded: one cell with a loop.
box(ax, (0, 0), "$h_t$", "#cde")
arrow(ax, (0, -1.2), (0, -0.35), "$W$")
arrow(ax, (0, 0.35), (0, 1.2), "")
ax.text(0, -1.45, "$x_t$", ha="center", fontsize=12)
ax.text(0, 1.45, "$h_t$", ha="center", fontsize=12)
arrow(ax, (0.4, 0.15), (0.4, -0.15), "", connectionstyle="arc,angleA=0,angleB=0,armA=40,"
      "armB=40,rad=8")
ax.text(1.02, 0, "$U$", fontsize=11, va="center")
ax.text(1.55, 0, "=", fontsize=24, ha="center", va="center")
# Unrolled: one copy per step, the same W, U, b everywhere.
xs = [3.4 + 1.8 * t for t in range(4)]
ax.text(xs[0] - 1.2, 0, "$h_0{=}0$", ha="center", va="center", fontsize=11)
arrow(ax, (xs[0] - 0.85, 0), (xs[0] - 0.4, 0), "")
for t, cx in enumerate(xs, start=1):
    box(ax, (cx, 0), f"$h_{t}$", "#cde")
    arrow(ax, (cx, -1.2), (cx, -0.35), "$W$")
    arrow(ax, (cx, 0.35), (cx, 1.2), "")
    ax.text(cx, -1.45, f"$x_{t}$", ha="center", fontsize=12)
    ax.text(cx, 1.45, f"$h_{t}$", ha="center", fontsize=12)
    if t < len(xs):
        arrow(ax, (cx + 0.4, 0), (xs[t] - 0.4, 0), "$U$", offset=(-0.15, 0.2))
ax.text(xs[-1] + 0.3, 1.45, r"$\to$ loss $L_T$", fontsize=11, va="center")
# BPTT: the gradient of L_T flows back along the chain, one factor per step.
arrow(ax, (xs[-1], -1.8), (xs[0], -1.8), color="crimson", linestyle="--")
ax.text((xs[0] + xs[-1]) / 2, -2.1, r"backpropagation through time: $\partial L_T/\partial h_t$ "
        r"is a product of one factor $\partial h_k/\partial h_{k-1}$ per step",
        color="crimson", ha="center", va="center", fontsize=11)
ax.set(xlim=(-0.8, xs[-1] + 1.6), ylim=(-2.4, 1.8), aspect="equal")
ax.axis("off")
ax.set_title("A recurrent layer, folded (left) and unrolled through time (right)")
plt.show()

# %% [markdown]
# ## 3. Backpropagation through time: do gradients reach the distant past?
#
# By the chain rule, the gradient of the last step's loss with respect to the input at step
# $t$ is a product of one Jacobian per step in between:
#
# $$\frac{\partial L_T}{\partial x_t} = \frac{\partial L_T}{\partial h_T}
#   \prod_{k=t+1}^{T} \frac{\partial h_k}{\partial h_{k-1}} \,
#   \frac{\partial h_t}{\partial x_t},$$
#
# and for a SimpleRNN each factor is
# $\partial h_k / \partial h_{k-1} = \operatorname{diag}(1 - h_k^2)\, U^\top$.
#
# A product of $T-t$ factors shrinks or grows **geometrically** with the distance: it
# *vanishes* when the factors are below 1 and *explodes* when they are above. We measure it:
# 100-year windows of the sunspot series go through `rnn_zoo.many_to_one` regressors (one
# per cell; the loss is the squared error of the next-year prediction made from the last
# state), and `tf.GradientTape` gives $\|\partial L_T / \partial x_t\|$ for every year $t$ of
# the window, averaged over 64 windows. The networks are freshly initialised with Keras'
# defaults (orthogonal $U$, LSTM forget-gate bias 1).

# %%
T = 100
windows, targets = sliding_windows(values, lookback=T, horizon=1)  # (209, 100, 1), (209, 1)
pick = np.random.default_rng(0).choice(len(windows), size=64, replace=False)
x_long, y_long = tf.constant(windows[pick]), tf.constant(targets[pick])


def gradient_profile(model):
    """Mean over the batch of ||dL_T / dx_t|| for every step t of the window."""
    with tf.GradientTape() as tape:
        tape.watch(x_long)
        loss = tf.reduce_mean(tf.square(model(x_long) - y_long))
    gradient = tape.gradient(loss, x_long)  # (64, 100, 1)
    return tf.reduce_mean(tf.norm(gradient, axis=-1), axis=0).numpy()


def per_step_factor(profile, span=50):
    """Geometric-mean ratio of the gradient from one step to the step before, over the last
    `span` steps (where float32 has not yet underflowed to 0)."""
    return float((profile[-span] / profile[-1]) ** (1 / (span - 1)))


CELLS = ("simple_rnn", "lstm", "gru")
models = {cell: rnn_zoo.many_to_one(input_dim=1, cell=cell, units=32, output_dim=1, name=cell)
          for cell in CELLS}
profiles = {cell: gradient_profile(model) for cell, model in models.items()}
distance = T - 1 - np.arange(T)  # steps between x_t and the last step
for cell, profile in profiles.items():
    print(f"{cell:>10}: |dL/dx| last year {profile[-1]:.1e}, 50 years earlier "
          f"{profile[-51]:.1e}, 99 years earlier {profile[0]:.1e}; "
          f"factor per step {per_step_factor(profile):.2f}")

# %% [markdown]
# All three fade geometrically, and at initialisation the gated cells fade at least as fast.
# That is expected. Along the LSTM's cell state,
# $c_k = f_k \odot c_{k-1} + i_k \odot \tilde c_k$, so the factor per step is the forget gate
# $f_k = \sigma(\cdot)$, about $\sigma(1) \approx 0.73$ with Keras' forget-gate bias of 1. The
# GRU's $h_k = z_k \odot h_{k-1} + (1-z_k) \odot \tilde h_k$ carries its state with the update
# gate $z_k \approx \sigma(0) = 0.5$. A SimpleRNN starts with an orthogonal $U$ and loses only
# what $\tanh'$ shaves off each step.
#
# The difference is what training can do about it. **A gate is a learned, per-unit number
# between 0 and 1**: when remembering pays, the network learns to hold $f_k$ (or $z_k$) close
# to 1, and the product of factors stays near 1 without ever exceeding it. We set those gate
# biases to 4 ($\sigma(4) \approx 0.98$), what a network that learned to remember does. A
# SimpleRNN has no such knob: only the size of $U$, and we scale it instead.


# %%
def open_memory_gate(model, bias=4.0):
    """Sets the bias of the gate that carries the state over (LSTM forget gate, GRU update
    gate) to `bias` in every LSTM/GRU layer of `model`. Keras orders an LSTM's bias as
    [input, forget, cell, output] gates and a GRU's (reset_after) as [update, reset, new],
    with one row for the input and one for the recurrent bias."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.LSTM):
            weights = layer.cell.bias.numpy()
            weights[layer.units:2 * layer.units] = bias
            layer.cell.bias.assign(weights)
        elif isinstance(layer, keras.layers.GRU):
            weights = layer.cell.bias.numpy()
            weights[0, :layer.units], weights[1, :layer.units] = bias, 0.0
            layer.cell.bias.assign(weights)
    return model


knobs = {}
for scale in (0.5, 1.5, 3.0):
    model = rnn_zoo.many_to_one(input_dim=1, cell="simple_rnn", units=32, output_dim=1)
    rnn = next(layer for layer in model.layers if isinstance(layer, keras.layers.SimpleRNN))
    rnn.cell.recurrent_kernel.assign(rnn.cell.recurrent_kernel * scale)
    knobs[f"simple_rnn, U x {scale}"] = gradient_profile(model)
for cell in ("lstm", "gru"):
    knobs[f"{cell}, memory gate open"] = gradient_profile(open_memory_gate(models[cell]))

fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
for cell, profile in profiles.items():
    left.semilogy(distance, profile, label=cell, lw=2)
for name, profile in knobs.items():
    right.semilogy(distance, profile, label=name, lw=2,
                   ls="-" if "gate" in name else ":")
left.set(title="Default initialisation", ylabel=r"$\|\partial L_T / \partial x_t\|$")
right.set(title="Turning the knobs")
for ax in (left, right):
    ax.set(xlabel="steps before the last step ($T - t$)")
    ax.invert_xaxis()
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3)
plt.tight_layout()
plt.show()
for name, profile in knobs.items():
    print(f"{name:>26}: 99 years back / last year = {profile[0] / profile[-1]:.1e}")

# %% [markdown]
# Read the plots from right (the last step) to left (100 years earlier), on a log scale:
#
# * **Default initialisation** (left): the sensitivity to the input falls by orders of
#   magnitude over the window for all three cells; the GRU's gradient from the oldest years
#   is exactly 0 in float32. A freshly initialised network cannot learn anything that depends
#   on those years: its gradient says they do not matter.
# * **SimpleRNN** (dotted) has only the size of $U$. Halved, the gradient from a century back
#   underflows to 0; tripled, it *explodes* by many orders of magnitude, so the distant past
#   dominates every update (the recipes clip the gradient norm, `clipnorm`, for this reason).
#   A useful scale sits in a narrow band in between that depends on how saturated $\tanh$
#   is, and training moves $U$ out of it.
# * **LSTM and GRU** with the memory gate open (solid) carry the gradient across all 100
#   steps at a roughly constant size: the factor per step is the gate, a number the network
#   learns per unit and that never exceeds 1. This is why gated cells learn long-range
#   dependencies that a SimpleRNN struggles with, and why the zoo's recipes use LSTM or GRU.
#
# ## 4. What `return_sequences` and `return_state` return
#
# Every Keras recurrent layer returns, by default, only the last state $h_T$. Two switches
# change that: `return_sequences=True` returns $h_t$ for every step (what a many-to-many
# model or a stacked layer needs), and `return_state=True` also returns the final state(s)
# (what an encoder hands to a decoder). An LSTM has two states, $h$ and the cell state $c$.

# %%
batch, time, units = 1, 10, 8
x_short = values[None, :time, None]
print(f"input {x_short.shape} = (batch, time, features)\n")
print(f"{'layer':<10} {'return_sequences':<17} {'return_state':<13} returns")
for layer_class in (keras.layers.SimpleRNN, keras.layers.LSTM, keras.layers.GRU):
    for sequences in (False, True):
        for state in (False, True):
            keras.utils.set_random_seed(0)
            layer = layer_class(units, return_sequences=sequences, return_state=state)
            out = layer(x_short)
            shapes = [tuple(o.shape) for o in out] if state else [tuple(out.shape)]
            print(f"{layer_class.__name__:<10} {sequences!s:<17} {state!s:<13} "
                  f"{', '.join(map(str, shapes))}")

# %% [markdown]
# With both switches on, the pieces fit together: the last element of the sequence output is
# the returned state $h_T$; the LSTM's extra state $c_T$ is different (its memory cell).

# %%
keras.utils.set_random_seed(0)
sequence, h_last, c_last = keras.layers.LSTM(units, return_sequences=True, return_state=True)(
    x_short)
np.testing.assert_allclose(sequence[:, -1], h_last, rtol=1e-6)
print("LSTM: sequence[:, -1] == h_T:", np.allclose(sequence[:, -1], h_last))
print("LSTM: h_T == c_T:", np.allclose(h_last, c_last))

# %% [markdown]
# The zoo's builders choose these for you: `rnn_zoo.many_to_one` reads the last state (or
# pools over `return_sequences`), `rnn_zoo.many_to_many` keeps the whole sequence, and
# `rnn_zoo.encoder_decoder` passes the encoder's `return_state` to the decoder. The next
# notebooks train one model of each topology on real data.

# %% [markdown]
# ## 5. The recurrent neuron at inference: carrying the state
#
# At inference nothing needs recomputing: a trained layer can read one step at a time and
# carry $h_t$ between calls, exactly as in section 1. `rnn_zoo.decoding.step_model` rebuilds a
# trained model from its cells as `[x_t, h_{t-1}] -> [y_t, h_t]` (the same weights), and
# `rnn_zoo.exporters.stateful.export_stateful` writes that step as a TFLite file with the state
# as an explicit input and output, builtin ops only, so a phone's stock interpreter runs it.
# We take the committed `sunspots_forecast` preset (a `Forecaster` task; its backbone is a GRU
# that reads the standardised years so far and forecasts the next one), feed it the years one
# at a time through the TFLite step, and compare every step's forecast with the whole-sequence
# Keras model run on the same years.

# %%
import tempfile  # noqa: E402

from ai_edge_litert.interpreter import Interpreter  # noqa: E402

from rnn_zoo.decoding import initial_state, step_model  # noqa: E402
from rnn_zoo.exporters.stateful import export_stateful  # noqa: E402
from rnn_zoo.tasks import Task  # noqa: E402

task = Task.from_preset("sunspots_forecast")  # verifies the preset's checksums
forecaster = task.backbone  # the trained GRU, on standardised years
(mean,), (std,) = task.state["mean"], task.state["std"]
lookback = task.config["lookback"]  # it was trained on windows of this many years
history = ((raw[:lookback] - mean) / std).astype("float32")

step = step_model(forecaster)
print("step in: ", [(t.name, tuple(t.shape)) for t in step.inputs])
folder = tempfile.mkdtemp()
record = export_stateful(forecaster, folder, formats=("tflite",), check=False)
print("TFLite ops:", ", ".join(record["artifacts"]["tflite"]["ops"]))

run = Interpreter(model_path=f"{folder}/step.tflite").get_signature_runner("step")
state = initial_state(step, batch=1)[0]  # h_0 = 0
stepped, whole = [], []
for t in range(lookback):
    out = run(features=history[None, t:t + 1], state_0_0=state)
    state = out["state_out_0_0"]  # carried to the next call
    stepped.append(out["outputs"][0, 0])
    whole.append(np.asarray(forecaster(history[None, :t + 1, None]))[0, 0])
stepped, whole = np.array(stepped) * std + mean, np.array(whole) * std + mean
print(f"largest difference, TFLite step by step vs Keras on the whole sequence, over "
      f"{lookback} years: {np.abs(stepped - whole).max():.1e} sunspots")

# %%
fig, ax = plt.subplots(figsize=(10, 2.8))
ahead = years[1:lookback + 1]
ax.plot(ahead, raw[1:lookback + 1], "k", lw=1, label="observed")
ax.plot(ahead, whole, lw=3, alpha=0.4, label="Keras, the whole history each year")
ax.plot(ahead, stepped, "r:", lw=1.5, label="TFLite step, state carried")
ax.set(xlabel="year", ylabel="sunspot number",
       title="Next-year forecasts: one step per year with the state carried = the whole history")
ax.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# One call per new year costs one cell update (microseconds; `benchmarks/README.md`,
# "Streaming a many-to-one model"), where rerunning the whole history costs a pass over every
# year so far. The same holds for the character language model: `rnn-zoo predict
# char_lm_shakespeare` generates by carrying the state of both LSTM layers from one character
# to the next, and `rnn-zoo export ... --stateful` writes its step for devices.
