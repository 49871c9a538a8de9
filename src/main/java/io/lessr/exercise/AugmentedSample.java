package io.lessr.exercise;

/** A student's training sample as the checks read it: a session prefix and the item clicked after it. */
public record AugmentedSample(int[] seq, int label) {}
