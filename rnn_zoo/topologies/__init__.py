"""The lecture's RNN topologies, one builder per module."""

from rnn_zoo.topologies.encoder_decoder import encoder_decoder
from rnn_zoo.topologies.many_to_many import many_to_many
from rnn_zoo.topologies.many_to_one import many_to_one
from rnn_zoo.topologies.one_to_many import one_to_many
from rnn_zoo.topologies.one_to_one import one_to_one

__all__ = ["encoder_decoder", "many_to_many", "many_to_one", "one_to_many", "one_to_one"]
