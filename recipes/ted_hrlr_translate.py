"""ted_hrlr_translate: encoder-decoder Portuguese -> English translation (needs the network).

Data: the TFDS catalog dataset `ted_hrlr_translate/pt_to_en` (Qi et al. 2018, TED talk
transcripts; official train / validation / test splits of about 51,800 / 1,190 / 1,800 sentence
pairs), downloaded by TFDS or read from the exact upstream archive in a manual dir
(`--manual-dir`, `$RNN_ZOO_MANUAL_DIR`). The `Seq2Seq` task tokenises both languages into
words, numbers and punctuation marks (`rnn_zoo.preprocessing.text_standardizer`, lower-cased on
both sides), learns a vocabulary per side from the training pairs only (words seen at least
twice; the rest read as [UNK]) and buckets batches by length.
Model: a bidirectional-LSTM encoder with an additive-attention LSTM decoder (`full`; the
registry's `encoder_decoder_bilstm_bahdanau`) or a small GRU one (`quick`), trained with teacher
forcing, early stopping on the validation token accuracy.
Evaluation on the test split: corpus BLEU-4 of greedy decoding (in the graph, inside
`model.keras`) as `tokenized_bleu` (Papineni et al. 2002; uniform weights, brevity penalty, no
smoothing, in [0, 1]) on the task's target tokens, sacreBLEU's `bleu` on the same tokens when
sacrebleu is installed, the exact-match rate and the token error rate. Out-of-vocabulary output
(`[UNK]`) never matches.
Baseline on the same test split, in the same run: copy-source (`rnn_zoo.baselines.CopySource`:
the output is the source sentence itself), whose BLEU measures the tokens shared by the two
languages (names, numbers, cognates, punctuation).
Published anchor: TensorFlow's "Neural machine translation with attention" tutorial (a GRU
encoder-decoder with additive attention, greedy decoding); it reports no test BLEU on this
dataset, so the bar is relative to the copy-source baseline.
Bar (`full`): test `tokenized_bleu` above the copy-source baseline's.

    rnn-zoo train ted_hrlr_translate --profile quick --out runs/ted_hrlr_translate
"""

from rnn_zoo.recipe import Bar, Data, Recipe

RECIPE = Recipe(
    name="ted_hrlr_translate",
    summary="Portuguese -> English TED talks, attentive encoder-decoder (downloads its data)",
    task="Seq2Seq",
    data=Data(dataset="ted_hrlr_translate/pt_to_en", x="pt", y="en"),
    profiles={
        "quick": {
            "source_lowercase": True, "target_lowercase": True, "cell": "gru",
            "bidirectional": False, "attention": "luong", "embedding_dim": 32, "units": 32,
            "dropout": 0.0, "max_source_tokens": 2_000, "max_target_tokens": 2_000,
            "learning_rate": 3e-3, "epochs": 1, "patience": 1, "num_buckets": 2,
            "beam_size": 1,
        },
        "full": {
            "source_lowercase": True, "target_lowercase": True, "cell": "lstm",
            "bidirectional": True, "attention": "bahdanau", "embedding_dim": 256,
            "units": 256, "num_layers": 1, "dropout": 0.2, "max_source_tokens": 12_000,
            "max_target_tokens": 12_000, "learning_rate": 1e-3, "batch_size": 64,
            "epochs": 20, "patience": 3, "num_buckets": 5,
            "beam_size": 1, "seed": 0,
        },
    },
    baselines={"copy_source": ("rnn_zoo.baselines:CopySource", {"target_lowercase": True})},
    bars=(Bar(metric="tokenized_bleu", higher_is_better=True, baseline="copy_source"),),
    trivial="copy_source",
    online=True,
    limitations=(
        "TED talk transcripts: spoken, topical English and Portuguese; sentences longer than "
        "the training ones and words outside the training vocabulary ([UNK]) are translated "
        "poorly. BLEU here is on the task's lower-cased tokens, not sacreBLEU's detokenised "
        "text, so it is not comparable with published sacreBLEU scores."),
)
