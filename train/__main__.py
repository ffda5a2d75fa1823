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
    # Before any command module is imported: some import Keras at module level (schedule.py's
    # callbacks), and TensorFlow prints its banners the moment it loads (issue 9, item 9).
    quiet.load_tensorflow(verbose="--verbose" in sys.argv[1:])
    sys.exit(run("python -m train", "Train and apply expression models.", COMMANDS,
                 common=quiet))
