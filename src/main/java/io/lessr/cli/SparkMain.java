package io.lessr.cli;

import io.lessr.data.preprocess.Preprocessing.Summary;
import io.lessr.data.preprocess.RawDataset;
import io.lessr.spark.BatchRecommend;
import io.lessr.spark.SparkPreprocess;

import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import org.apache.spark.SparkException;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spark-submit --class io.lessr.cli.SparkMain lessr.jar <command>}: the kit's Spark jobs.
 * Spark itself comes from the cluster (master, memory and the rest are spark-submit's options).
 */
@Command(name = "lessr-spark", mixinStandardHelpOptions = true, version = "lessr-kit 0.1.0",
        description = "LESSR's data work on Apache Spark: preprocessing of raw logs and batch recommendation.",
        subcommands = {SparkMain.Preprocess.class, SparkMain.Recommend.class, CommandLine.HelpCommand.class})
public final class SparkMain {
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SparkMain());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            Throwable cause = userError(ex);
            if (cause != null) {
                cmd.getErr().println("error: " + cause.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl;
    }

    /** The user's mistake behind {@code ex}, also when a Spark task failed with it; null for anything else. */
    private static Throwable userError(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof IllegalArgumentException || t instanceof UncheckedIOException) {
                return t;
            }
            if (!(t instanceof SparkException) && t != ex) {
                return null;
            }
        }
        return null;
    }

    private static SparkSession session(String name) {
        return SparkSession.builder().appName(name).getOrCreate();
    }

    @Command(name = "preprocess", mixinStandardHelpOptions = true,
            description = "Turn a raw Diginetica, Gowalla or Last.fm log (.gz too, any Hadoop file system) into a dataset "
                    + "folder, byte for byte what `lessr.jar preprocess` writes.")
    static final class Preprocess implements Callable<Integer> {
        @Mixin
        RawLogOptions log;

        @Option(names = {"-f", "--file"}, required = true, description = "the raw log (a path or URI)")
        String file;

        @Option(names = "--dataset-dir", required = true, description = "output folder (a path or URI), replaced atomically")
        String datasetDir;

        @Override
        public Integer call() {
            RawDataset raw = log.format();
            int topItems = log.topItems();
            long start = System.nanoTime();
            Summary s = new SparkPreprocess(session("lessr preprocess " + raw.id()), System.out)
                    .run(raw, file, datasetDir, topItems);
            System.out.printf("%d training and %d test sessions, %d items; %.1f s%n", s.numTrainSessions(),
                    s.numTestSessions(), s.numItems(), (System.nanoTime() - start) / 1e9);
            return 0;
        }
    }

    @Command(name = "recommend", mixinStandardHelpOptions = true,
            description = "Top-K next items for every session of a Parquet or text input with a model saved by "
                    + "`lessr.jar train --save-dir`; the same answers as `lessr.jar recommend`.")
    static final class Recommend implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "the saved model folder (on the driver's machine)")
        String model;

        @Option(names = "--input", required = true, description = "Parquet (session_id, items: array of ids) or text "
                + "(one session a line: 'id<TAB>3,17,5' or '3,17,5')")
        String input;

        @Option(names = "--output", required = true, description = "output folder, written atomically")
        String output;

        @Option(names = "--input-format", defaultValue = "auto", description = "parquet, text or auto: a folder or "
                + "*.parquet is Parquet (default: ${DEFAULT-VALUE})")
        String inputFormat;

        @Option(names = "--output-format", defaultValue = "parquet", description = "parquet (session_id, items, scores) or "
                + "text ('id<TAB>item:score,...' in input order) (default: ${DEFAULT-VALUE})")
        String outputFormat;

        @Mixin
        TopKOptions topK;

        @Option(names = "--partitions", defaultValue = "0", description = "spread the sessions over this many tasks "
                + "(default: as the input is split)")
        int partitions;

        @Option(names = "--device", defaultValue = "cpu", description = "the executors' device: cpu, gpu, gpu:N or auto "
                + "(default: ${DEFAULT-VALUE})")
        String device;

        @Override
        public Integer call() {
            long start = System.nanoTime();
            BatchRecommend.Summary s = new BatchRecommend(session("lessr recommend")).run(new BatchRecommend.Options(
                    model, input, output, topK.k, topK.excludeSeen, topK.batch, inputFormat, outputFormat, device, partitions));
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%d sessions in %.1f s (%.0f sessions/s) over %d partitions; the model was loaded %d time%s%n",
                    s.sessions(), seconds, s.sessions() / seconds, s.partitions(), s.modelLoads(), s.modelLoads() == 1 ? "" : "s");
            return 0;
        }
    }
}
