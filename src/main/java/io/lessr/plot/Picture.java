package io.lessr.plot;

import java.awt.image.BufferedImage;

/**
 * A picture for a notebook: the image and the size to show it at, in CSS pixels; drawn at a multiple
 * of that size, it stays sharp on high-density screens.
 */
public record Picture(BufferedImage image, int width, int height) {}
