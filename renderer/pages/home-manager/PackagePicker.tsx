import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { MAX_PACKAGE_ATTR, packageAttrPattern, packageListStatus, suggestPackages, type PackageSuggestion } from '../../stores/home';

const MAX_PACKAGES = 200;

/**
 * Packages for home.packages: suggestions from the search feature's offline package list as you type
 * (attribute and description), picked into chips; names can always be typed too, which is all there
 * is when no package list has been downloaded.
 */
export function PackagePicker({ value, onChange }: { value: string[]; onChange: (packages: string[]) => void }) {
  const [text, setText] = useState('');
  const [list, setList] = useState<{ available: boolean; release: string | null; message: string | null } | null>(null);
  const [suggestions, setSuggestions] = useState<PackageSuggestion[]>([]);
  const [active, setActive] = useState(0);
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  /** typed names the package list does not have */
  const [unknown, setUnknown] = useState<string[]>([]);
  const listId = useId();
  const query = useRef(0);

  useEffect(() => {
    void packageListStatus().then(setList);
  }, []);

  useEffect(() => {
    const q = text.trim();
    if (!list?.available || !q || /[\s,]/.test(q)) {
      setSuggestions([]);
      return;
    }
    const mine = ++query.current;
    const t = setTimeout(() => {
      suggestPackages(q)
        .then((found) => {
          if (mine !== query.current) return;
          setSuggestions(found.filter((s) => !value.includes(s.attr)));
          setActive(0);
        })
        .catch(() => {
          // the list went away or cannot be read: typing still works
          setList({ available: false, release: null, message: 'The package list could not be searched.' });
          setSuggestions([]);
        });
    }, 120);
    return () => clearTimeout(t);
  }, [text, list?.available, value]);

  const add = (names: string[], picked: boolean) => {
    const bad = names.filter((n) => n.length > MAX_PACKAGE_ATTR || !packageAttrPattern.test(n));
    const good = names.filter((n) => !bad.includes(n) && !value.includes(n));
    if (bad.length) setProblem(`${bad.map((b) => `“${b.slice(0, 60)}”`).join(', ')} ${bad.length === 1 ? 'is not a package name' : 'are not package names'}. Names look like ripgrep or python3Packages.requests.`);
    else setProblem(null);
    if (!good.length) return;
    if (value.length + good.length > MAX_PACKAGES) {
      setProblem(`At most ${MAX_PACKAGES} packages can be listed here; add more later in the editor.`);
      return;
    }
    onChange([...value, ...good]);
    setText('');
    setSuggestions([]);
    if (!picked && list?.available) {
      // a typed name: say so when the package list does not know it (a typo fails the switch later)
      for (const name of good) {
        void suggestPackages(name, 20)
          .then((found) => {
            if (!found.some((f) => f.attr === name)) setUnknown((u) => [...u, name]);
          })
          .catch(() => {});
      }
    }
  };
  const commitTyped = () => {
    const names = text.split(/[\s,]+/).filter(Boolean);
    if (names.length) add(names, false);
  };
  const remove = (name: string) => {
    onChange(value.filter((v) => v !== name));
    setUnknown((u) => u.filter((x) => x !== name));
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const showing = open && suggestions.length > 0;
    if (e.key === 'ArrowDown' && showing) {
      e.preventDefault();
      setActive((a) => Math.min(a + 1, suggestions.length - 1));
    } else if (e.key === 'ArrowUp' && showing) {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (showing && suggestions[active]) add([suggestions[active]!.attr], true);
      else commitTyped();
    } else if (e.key === ',' || e.key === ' ') {
      if (text.trim()) {
        e.preventDefault();
        commitTyped();
      }
    } else if (e.key === 'Escape') {
      setOpen(false);
    } else if (e.key === 'Backspace' && !text && value.length) {
      remove(value[value.length - 1]!);
    }
  };

  const showing = open && suggestions.length > 0;
  return (
    <div className="field hm-picker">
      <span>Packages</span>
      <span className="hint" data-testid="package-source">
        {list === null
          ? 'Looking for a package list…'
          : list.available
            ? `Type to search ${list.release ? `the ${list.release} package list` : 'the package list'}, then pick with Enter or a click. A name can also be typed in full.`
            : `Type package names as in nixpkgs and press Enter, for example ripgrep or python3Packages.requests. ${list.message ?? 'No package list is downloaded yet'}${list.message ? '' : ': the Search page can download one for suggestions.'}`}
      </span>
      {value.length ? (
        <ul className="hm-chips" data-testid="package-chips">
          {value.map((name) => (
            <li key={name} className={`hm-chip${unknown.includes(name) ? ' unknown' : ''}`} data-testid={`package-chip-${name}`} title={unknown.includes(name) ? 'This name is not in the package list: check the spelling.' : undefined}>
              <span className="mono">{name}</span>
              <button type="button" className="hm-chip-x" aria-label={`Remove ${name}`} onClick={() => remove(name)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="hm-picker-box">
        <input
          role="combobox"
          aria-label="Add a package"
          aria-expanded={showing}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={showing ? `${listId}-${active}` : undefined}
          value={text}
          maxLength={400}
          placeholder={value.length ? 'Add another package' : 'ripgrep'}
          onChange={(e) => {
            setText(e.target.value);
            setOpen(true);
          }}
          onFocus={() => setOpen(true)}
          onBlur={() => {
            setOpen(false);
            // with nothing to pick from, a typed name counts when you move on; with a list it waits for Enter
            if (!list?.available) commitTyped();
          }}
          onKeyDown={onKeyDown}
          data-testid="form-packages"
        />
        {showing ? (
          <ul className="hm-suggestions" role="listbox" id={listId} data-testid="package-suggestions">
            {suggestions.map((s, i) => (
              <li
                key={s.attr}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'active' : undefined}
                onMouseDown={(e) => e.preventDefault()}
                onMouseEnter={() => setActive(i)}
                onClick={() => add([s.attr], true)}
              >
                <span className="mono hm-suggestion-attr">{s.attr}</span>
                <span className="faint hm-suggestion-version">{s.version}</span>
                <span className="hm-suggestion-desc">{s.description || 'No description.'}</span>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {problem ? (
        <span className="hm-picker-problem" role="alert">
          {problem}
        </span>
      ) : null}
      {unknown.length ? <span className="hm-picker-problem">Not in the package list: {unknown.join(', ')}. Check the spelling, or the switch will stop with “undefined variable”.</span> : null}
    </div>
  );
}
