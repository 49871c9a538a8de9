package io.lessr.data.preprocess;

import java.io.Serializable;

/**
 * One click of a raw log, reduced to what preprocessing uses: Diginetica's {@code session} id (its
 * log has sessions; {@code user} is null), or the {@code user} of a Gowalla or Last.fm log ({@code
 * session} is -1); the item as written; the time in epoch milliseconds.
 */
public record RawClick(long session, String user, String item, long millis) implements Serializable {}
