// stackvisor-example-static: served by nginx from STATIC_ROOT
(function () {
  const count = document.getElementById("count");
  const state = document.getElementById("ws-state");
  const list = document.getElementById("messages");
  async function increment() {
    const r = await fetch("/api/counter");
    count.textContent = (await r.json()).count;
  }
  document.getElementById("inc").addEventListener("click", increment);
  increment();
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(proto + "//" + location.host + "/ws/");
  ws.onopen = () => { state.textContent = "connected"; };
  ws.onclose = () => { state.textContent = "closed"; };
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    if (msg.type !== "message") return;
    const li = document.createElement("li");
    li.textContent = msg.sender + ": " + msg.text;
    list.prepend(li);
  };
  document.getElementById("send").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = document.getElementById("text");
    ws.send(input.value);
    input.value = "";
  });
})();
