package io.lessr.cli;

import io.lessr.model.torch.TorchWeights;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code export}: a saved model as a PyTorch state_dict file. */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write a saved model's state_dict under twchen/lessr's names, in PyTorch's order, with the "
                + "batch norms' running statistics: .pth/.pt (torch.load(f, weights_only=True)), .safetensors or .npz, "
                + "chosen by the file name; written atomically.")
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "the saved model folder")
    Path model;

    @Option(names = "--out", required = true, description = "the file to write: *.pth, *.pt, *.safetensors or *.npz")
    Path out;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        TorchWeights.exportStateDict(model, out);
        System.out.printf("exported %s to %s in %.2f s%n", model, out, (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
