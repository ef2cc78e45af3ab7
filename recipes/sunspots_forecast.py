"""sunspots_forecast: many-to-one regression, next year's sunspot number from the years before.

Data: `sunspots` (rnn_zoo.datasets; statsmodels' yearly numbers 1700-2008, split in time order
into train 1700-1931 / validation 1932-1962 / test 1963-2008, each one example holding the
ordered series). Model: `Forecaster` (rnn_zoo.tasks), a GRU over windows of `lookback` = 24
years predicting the next year. The series is standardised with the train split's mean and std
only, inside the model (and the forecast de-standardised); the GRU reads the standardised
levels (`relative=False`: a cycle around a stable mean, not a trend). With `contiguous=True` the
validation and test series are read after the 24 years that precede them, so every year of
them is a target (31 validation and 46 test forecasts).

Metric: test RMSE in original units (sunspot number), one-step-ahead. Baselines, computed in the
same run on the same test years:

- ARIMA (`rnn_zoo.baselines:Arima`, statsmodels): the order is chosen by AIC on the train split
  among (p, 0, q) for p in 1..10, q in 0..2 (the classic AR(9)-like models of the sunspot cycle
  and small ARMA refinements), then fitted on everything before the test period (train +
  validation, the data the network also sees: it trains on train and early-stops on
  validation). Test forecasts are one step ahead: `results.append(test, refit=False)` keeps the
  fitted parameters and conditions each forecast on the true values up to the year before (no
  refit, no look-ahead).
- persistence (`rnn_zoo.baselines:LastValue`): next year = this year.

Bar (`full`): test RMSE below ARIMA's.

    rnn-zoo train sunspots_forecast --profile quick --out runs/sunspots
"""

from rnn_zoo.recipe import Bar, Data, Recipe

RECIPE = Recipe(
    name="sunspots_forecast",
    summary="many-to-one regression, next year's sunspot number from the years before",
    task="Forecaster",
    data=Data(dataset="sunspots", x="value"),
    profiles={
        "quick": {"lookback": 24, "units": 16, "dropout": 0.0, "learning_rate": 5e-3,
                  "batch_size": 16, "epochs": 60, "patience": 20, "contiguous": True,
                  "relative": False, "seed": 1},
        "full": {"lookback": 24, "units": 48, "dropout": 0.1, "learning_rate": 2e-3,
                 "batch_size": 16, "epochs": 400, "patience": 60, "contiguous": True,
                 "relative": False, "seed": 1},
    },
    baselines={
        "arima": ("rnn_zoo.baselines:Arima",
                  {"orders": [(p, 0, q) for p in range(1, 11) for q in range(3)]}),
        "last_value": "rnn_zoo.baselines:LastValue",
    },
    bars=(Bar(metric="rmse", higher_is_better=False, baseline="arima"),),
    trivial="last_value",
    limitations=(
        "One-year-ahead forecasts of yearly mean sunspot numbers (statsmodels' series, "
        "1700-2008) with the true history as input at every step; multi-step forecasts are "
        "not evaluated. The test period is short (46 years), so RMSE differences carry wide "
        "uncertainty."),
)
