package io.lessr.serve;

import com.google.gson.GsonBuilder;
import io.lessr.serve.Recommender.Recommendation;

import java.util.List;

/**
 * Why a session got its recommendations: what the model looked at, in item ids (the paper's two attentions).
 *
 * @param session the items in click order
 * @param sgat for each SGAT layer, every shortcut edge's weight; the weights into each item sum to 1
 * @param readout each item's weight in the session's global preference; they sum to 1
 * @param top the recommendations, as {@link Recommender#recommend(List, int)} gives them
 */
public record Explanation(List<Integer> session, List<Layer> sgat, List<ItemWeight> readout, List<Recommendation> top) {

    /** One SGAT layer ({@code layer}: its index in the model's {@code layers}, as in its state_dict names). */
    public record Layer(int layer, List<Edge> edges) {}

    /** A shortcut edge from the item {@code src} to the item {@code dst} (a self-loop when they are equal). */
    public record Edge(int src, int dst, float weight) {}

    public record ItemWeight(int item, float weight) {}

    /** {@code {"session": [...], "sgat": [{"layer": 1, "edges": [{"src", "dst", "weight"}]}], "readout": [{"item", "weight"}], "top": [{"item", "score"}]}}. */
    public String toJson() {
        return new GsonBuilder().setPrettyPrinting().create().toJson(this);
    }

    /** The weights as tables, for a terminal. */
    public String toText() {
        StringBuilder out = new StringBuilder("session\t" + session + "\n");
        for (Layer l : sgat) {
            out.append("\nSGAT layers.").append(l.layer()).append(": attention on the shortcut edges (into each item it sums to 1)\n");
            out.append("src\tdst\tweight\n");
            for (Edge e : l.edges()) {
                out.append(e.src()).append('\t').append(e.dst()).append('\t').append(String.format("%.4f", e.weight())).append('\n');
            }
        }
        out.append("\nreadout: each item's weight in the session's preference (it sums to 1)\nitem\tweight\n");
        for (ItemWeight w : readout) {
            out.append(w.item()).append('\t').append(String.format("%.4f", w.weight())).append('\n');
        }
        out.append("\nrank\titem\tscore\n");
        for (int i = 0; i < top.size(); i++) {
            out.append(i + 1).append('\t').append(top.get(i).item()).append('\t').append(String.format("%.6f", top.get(i).score())).append('\n');
        }
        return out.toString();
    }
}
