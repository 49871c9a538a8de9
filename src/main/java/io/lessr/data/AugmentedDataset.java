package io.lessr.data;

import java.util.Arrays;
import java.util.List;

/**
 * Every (prefix, next item) pair of a list of sessions, as the walkthrough's {@code AugmentedDataset}:
 * a session of length L gives the prefixes of length 1 .. L-1, each labelled with the item after it.
 *
 * <p>The index is sorted by label position, longest prefixes first (the walkthrough's
 * {@code sort_values('labelIdx', ascending=False)}). Ties keep session order; pandas' unstable sort
 * may order ties differently, which changes nothing: training shuffles, and evaluation scores each
 * sample on its own.
 */
public final class AugmentedDataset {
    private final List<int[]> sessions;
    private final int[] sessionIds;
    private final int[] labelIndices;

    public AugmentedDataset(List<int[]> sessions) {
        this(sessions, true);
    }

    public AugmentedDataset(List<int[]> sessions, boolean sortByLength) {
        this.sessions = List.copyOf(sessions);
        int size = 0;
        int maxLength = 0;
        for (int[] s : this.sessions) {
            size += Math.max(0, s.length - 1);
            maxLength = Math.max(maxLength, s.length);
        }
        sessionIds = new int[size];
        labelIndices = new int[size];
        if (sortByLength) {
            // A counting sort on the label position: stable and linear.
            int[] start = new int[maxLength + 1];
            for (int[] s : this.sessions) {
                for (int l = 1; l < s.length; l++) {
                    start[l]++;
                }
            }
            int offset = 0;
            for (int l = maxLength; l >= 1; l--) {
                int count = start[l];
                start[l] = offset;
                offset += count;
            }
            for (int sid = 0; sid < this.sessions.size(); sid++) {
                for (int l = 1; l < this.sessions.get(sid).length; l++) {
                    int at = start[l]++;
                    sessionIds[at] = sid;
                    labelIndices[at] = l;
                }
            }
        } else {
            int at = 0;
            for (int sid = 0; sid < this.sessions.size(); sid++) {
                for (int l = 1; l < this.sessions.get(sid).length; l++) {
                    sessionIds[at] = sid;
                    labelIndices[at++] = l;
                }
            }
        }
    }

    public int size() {
        return sessionIds.length;
    }

    /** The prefix of sample {@code idx}: the first {@code labelIndex} items of its session. */
    public int[] prefix(int idx) {
        return Arrays.copyOf(sessions.get(sessionIds[idx]), labelIndices[idx]);
    }

    /** The next item after the prefix of sample {@code idx}. */
    public int label(int idx) {
        return sessions.get(sessionIds[idx])[labelIndices[idx]];
    }

    public int sessionId(int idx) {
        return sessionIds[idx];
    }

    public int labelIndex(int idx) {
        return labelIndices[idx];
    }

    public List<int[]> sessions() {
        return sessions;
    }
}
