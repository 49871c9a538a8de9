package io.lessr.plot;

import java.awt.image.BufferedImage;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.traces.Trace;

/**
 * A Tablesaw figure that also carries a static picture of itself, drawn from the same table: where a
 * notebook is read without running scripts (GitHub, nbviewer, an untrusted notebook) the picture
 * shows; where scripts run, Plotly draws the interactive figure over it.
 */
public final class ChartFigure extends Figure {
    private final BufferedImage image;

    ChartFigure(Layout layout, BufferedImage image, Trace... traces) {
        super(layout, traces);
        this.image = image;
    }

    /** The static picture. */
    public BufferedImage image() {
        return image;
    }
}
