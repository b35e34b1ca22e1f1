// --post-js of every build: runs inside the module's closure, so it can reach the pthread
// runtime. The JS layer calls this from kd.shutdown(): node does not exit while pool workers
// live, and a page may want its workers back.
Module['terminateAllThreads'] = function() {
  if (typeof PThread !== 'undefined' && !ENVIRONMENT_IS_PTHREAD) PThread.terminateAllThreads();
};
