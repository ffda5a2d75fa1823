import sys

from corpus.cli import run

from . import quiet

COMMANDS = {
    "fit": ("train.cmd_fit", "train an RMSProp CNN on the corpus's train split"),
    "evaluate": ("train.cmd_evaluate", "accuracy, macro-F1, confusion matrix on a corpus or folders"),
    "predict": ("train.cmd_predict", "faces and class probabilities for new photos"),
    "score": ("train.cmd_score", "store the model's probabilities for every face in the corpus"),
    "crossval": ("train.cmd_crossval", "K-fold models: out-of-sample probabilities for every "
                                       "labeled face"),
}

if __name__ == "__main__":
    sys.exit(run("python -m train", "Train and apply expression models.", COMMANDS,
                 common=quiet))
