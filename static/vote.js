// Optional: vote without reloading the page. Without JavaScript the buttons submit the
// page's vote form and the server redirects back, which works just as well.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[form=vote]");
  if (!button) return;
  event.preventDefault();
  const form = document.getElementById("vote");
  const data = new FormData(form);
  data.set("value", button.value);
  let response;
  try {
    response = await fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
  } catch (error) {
    response = null;
  }
  if (!response || !response.ok) {
    form.requestSubmit(button); // let the server explain, as without JavaScript
    return;
  }
  const vote = await response.json();
  // Agree, disagree and, on an open question's statements, pass.
  const [agree, disagree, pass] = button.parentNode.querySelectorAll("button.vote");
  const buttons = [[agree, 1, vote.agree], [disagree, -1, vote.disagree]];
  if (pass) buttons.push([pass, 0, vote.passed]);
  for (const [b, value, count] of buttons) {
    b.querySelector("b").textContent = count;
    b.setAttribute("aria-pressed", String(vote.mine === value));
    b.value = `${vote.argument}:${vote.mine === value ? "" : value}`;
  }
});
