// The onchange handler of a preset's number inputs: a finite value goes to update({key}), and
// anything else (an empty or invalid entry) puts the current configuration's value back.
export const numberInput = (getConfig, update) => (key) => (e) => {
  const v = Number(e.currentTarget.value);
  if (e.currentTarget.value !== '' && Number.isFinite(v)) update({ [key]: v });
  else e.currentTarget.value = getConfig()[key];
};
