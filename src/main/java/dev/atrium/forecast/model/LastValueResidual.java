package dev.atrium.forecast.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Makes a forecaster level-invariant: the inner block sees the window minus its last value and
 * predicts the change from it, which is added back. A series that sits higher or lower than the
 * training data (a trend, another mean) then gets the same shape of forecast, and the naive
 * last-value forecast is what an all-zero inner block gives.
 */
public final class LastValueResidual extends AbstractBlock {

  private static final byte VERSION = 1;

  private final Block inner;

  /** Wraps {@code inner}, a block from {@code (batch, window)} to {@code (batch, horizon)}. */
  public LastValueResidual(Block inner) {
    super(VERSION);
    this.inner = addChildBlock("delta", inner);
  }

  @Override
  protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
      PairList<String, Object> params) {
    NDArray window = inputs.singletonOrThrow();
    NDArray last = window.get(":, -1:");
    NDArray delta = inner.forward(parameterStore, new NDList(window.sub(last)), training, params).singletonOrThrow();
    return new NDList(delta.add(last));
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    inner.initialize(manager, dataType, inputShapes);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inner.getOutputShapes(inputShapes);
  }
}
