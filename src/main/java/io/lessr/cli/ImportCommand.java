package io.lessr.cli;

import io.lessr.data.SessionDataset;
import io.lessr.model.LessrConfig;
import io.lessr.model.torch.TorchWeights;
import io.lessr.train.RunSpec;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code import}: a PyTorch state_dict of twchen/lessr's LESSR as a saved model folder. */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Turn a state_dict of twchen/lessr's LESSR (torch.save(model.state_dict(), f) as .pth/.pt, "
                + ".safetensors or .npz) into a saved model folder for recommend, Recommender.load and Spark. "
                + "The configuration is read from the tensors' names and shapes.")
final class ImportCommand implements Callable<Integer> {
    @Option(names = "--state-dict", required = true, description = "the state_dict file")
    Path stateDict;

    @Option(names = "--num-items", required = true, description = "the item count the model was trained on")
    int numItems;

    @Option(names = "--dataset-dir", description = "a dataset folder whose num_items.txt must agree")
    Path datasetDir;

    @Option(names = "--feat-drop", description = "the dropout to train it further with (no tensor holds it; default: the walkthrough's ${DEFAULT-VALUE})")
    double featDrop = RunSpec.walkthrough().featDrop();

    @Option(names = "--save-dir", required = true, description = "the model folder to write (replaced atomically)")
    Path saveDir;

    @Override
    public Integer call() {
        if (datasetDir != null) {
            int n = SessionDataset.numItemsOf(datasetDir);
            if (n != numItems) {
                throw new IllegalArgumentException("--num-items " + numItems + " but " + datasetDir.resolve(SessionDataset.NUM_ITEMS_FILE)
                        + " says " + n);
            }
        }
        long start = System.nanoTime();
        LessrConfig config = TorchWeights.importStateDict(stateDict, numItems, featDrop, saveDir);
        System.out.printf("imported %s: LESSR(num_items=%d, embedding_dim=%d, num_layers=%d, batch_norm=%s) in %.2f s; saved to %s%n",
                stateDict, config.numItems(), config.embeddingDim(), config.numLayers(), config.batchNorm() ? "True" : "False",
                (System.nanoTime() - start) / 1e9, saveDir);
        return 0;
    }
}
