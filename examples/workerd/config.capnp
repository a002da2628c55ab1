# workerd configuration of the example worker. Build first (model + bundle into examples/workerd/build/):
#
#   node scripts/build.mjs && node examples/workerd/build.mjs
#   node_modules/.bin/workerd serve examples/workerd/config.capnp          # 127.0.0.1:8787
#   curl "http://127.0.0.1:8787/recommend?user=1&k=5"
#
# (--socket-addr http=127.0.0.1:PORT overrides the address; CI does that with a free port.)
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .recommender)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const recommender :Workerd.Worker = (
  modules = [
    (name = "worker", esModule = embed "build/worker.mjs"),
    (name = "./kernels.wasm", wasm = embed "build/kernels.wasm"),
    (name = "./model.recwise", data = embed "build/model.recwise"),
  ],
  compatibilityDate = "2025-01-01",
);
