package dev.atrium.forecast.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Monte-Carlo dropout: drops activations in training <em>and</em> at inference. DJL's
 * {@code Predictor} runs blocks with {@code training=false}, which turns the stock
 * {@link Dropout} off; this block ignores that flag, so every forward pass through a plain
 * predictor is one stochastic sample of the forecast distribution. No parameters.
 */
public final class McDropout extends AbstractBlock {

  private static final byte VERSION = 1;

  private final float rate;

  /** Dropout with probability {@code rate} (0 ≤ rate &lt; 1; 0 makes the block the identity). */
  public McDropout(float rate) {
    super(VERSION);
    if (!(rate >= 0f && rate < 1f)) {
      throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
    }
    this.rate = rate;
  }

  @Override
  protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
      PairList<String, Object> params) {
    if (rate == 0f) {
      return inputs;
    }
    return Dropout.dropout(inputs.singletonOrThrow(), rate, true);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }

  @Override
  public String toString() {
    return "McDropout(" + rate + ")";
  }
}
