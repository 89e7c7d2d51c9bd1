import { useVirtualizer } from '@tanstack/react-virtual';
import { type FormEvent, type KeyboardEvent, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  customerSearch,
  describeError,
  METHODS,
  PLAIN_MESSAGES,
  type WorklistItem,
  WorklistSort,
} from '../../shared/contract';
import { CALLBACK_TYPES, type CallbackType } from '../../shared/domain/callback-types';
import { dueState, formatShort } from '../app/format';
import { useLine, usePhone } from '../app/phone-context';
import { call, SeatCallError, useErrorText, useSeat } from '../app/seat-context';
import { ErrorLine } from '../components/ErrorLine';

const PAGE = 200;
const ROW_PX = 34;
/** The agent's chosen order, kept for the session (this tab) like the seat's resume token. */
const SORT_KEY = 'worklist.sort';

export function savedSort(): WorklistSort {
  try {
    const parsed = WorklistSort.safeParse(sessionStorage.getItem(SORT_KEY));
    return parsed.success ? parsed.data : 'deadline';
  } catch {
    return 'deadline';
  }
}

interface Loaded {
  items: WorklistItem[];
  total: number;
}

/**
 * Open tasks by deadline, paged from the seat as the list scrolls and virtualised, so ten thousand tasks
 * cost what the visible rows cost. A listbox: ↑/↓/PgUp/PgDn/Home/End move, Enter opens. The search box finds
 * a customer by name (or its start), full mobile or full ID number, read from what was typed; it searches on
 * Enter only, since the seat audits every search. 排序 orders it by deadline (the default), customer name,
 * callback type or last dial, sorted by the seat (in SQL, paged the same way); the choice holds for the session.
 */
export function Worklist(props: {
  onOpen: (taskId: string) => void;
  openTaskId: string | null;
  refresh: number;
}) {
  const { t, i18n } = useTranslation();
  const seat = useSeat();
  const errorText = useErrorText();
  const [types, setTypes] = useState<CallbackType[]>([]);
  const [sort, setSort] = useState<WorklistSort>(savedSort);
  const [typed, setTyped] = useState('');
  const [search, setSearch] = useState<string | null>(null);
  const [searchError, setSearchError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const loading = useRef(false);
  const scroller = useRef<HTMLDivElement>(null);
  const now = new Date();
  // On the training line the agent must know that these calls reach simulated customers, not these customers.
  const line = useLine(usePhone());

  const load = useCallback(
    async (after: WorklistItem | undefined, previous: WorklistItem[]) => {
      loading.current = true;
      try {
        const page = await call(seat, 'worklist.list', {
          limit: PAGE,
          sort,
          ...(types.length > 0 ? { types } : {}),
          ...(search !== null ? { search } : {}),
          ...(after ? { after: { deadlineAt: after.deadlineAt, taskId: after.taskId } } : {}),
        });
        setLoaded({ items: [...previous, ...page.items], total: page.total });
        setError(null);
      } catch (e) {
        setError(errorText(e));
      } finally {
        loading.current = false;
      }
    },
    [seat, types, search, sort, errorText],
  );

  // A new filter or order, or tasks changed on the seat (`refresh`): start again from the first task.
  // biome-ignore lint/correctness/useExhaustiveDependencies: refresh is the reload signal itself
  useEffect(() => {
    void load(undefined, []);
  }, [load, props.refresh]);

  const count = loaded?.total ?? 0;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_PX,
    overscan: 12,
  });
  const rows = virtualizer.getVirtualItems();
  const lastRow = rows.at(-1)?.index ?? 0;

  useEffect(() => {
    if (!loaded || loading.current || loaded.items.length >= loaded.total) return;
    if (lastRow >= loaded.items.length - 20) void load(loaded.items.at(-1), loaded.items);
  }, [lastRow, loaded, load]);

  function move(to: number) {
    if (count === 0) return;
    const next = Math.max(0, Math.min(count - 1, to));
    setActive(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  }

  function onKeyDown(event: KeyboardEvent) {
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? ROW_PX * 10) / ROW_PX) - 1);
    switch (event.key) {
      case 'ArrowDown':
        move(active + 1);
        break;
      case 'ArrowUp':
        move(active - 1);
        break;
      case 'PageDown':
        move(active + page);
        break;
      case 'PageUp':
        move(active - page);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(count - 1);
        break;
      case 'Enter': {
        const item = loaded?.items[active];
        if (item) props.onOpen(item.taskId);
        break;
      }
      default:
        return;
    }
    event.preventDefault();
  }

  const toggle = (type: CallbackType) => {
    setActive(0);
    setTypes((current) => (current.includes(type) ? current.filter((x) => x !== type) : [...current, type]));
  };

  function find(event: FormEvent) {
    event.preventDefault();
    const text = typed.trim();
    if (text === '') return clearSearch();
    // The contract's own check, so that a part of a number is said here and not sent (nor audited).
    const args = { search: text };
    const checked = METHODS['worklist.list'].args.safeParse(args, PLAIN_MESSAGES);
    if (!checked.success) {
      const message = describeError(checked.error, { method: 'worklist.list', args });
      setSearchError(errorText(new SeatCallError({ code: 'BAD_REQUEST', message })));
      return;
    }
    setSearchError(null);
    setActive(0);
    setSearch(checked.data.search ?? null);
  }

  function chooseSort(next: WorklistSort) {
    setActive(0);
    setSort(next);
    try {
      sessionStorage.setItem(SORT_KEY, next);
    } catch {
      // Storage refused (private mode): the order holds while this screen is open.
    }
  }

  function clearSearch() {
    setTyped('');
    setSearchError(null);
    setActive(0);
    setSearch(null);
  }

  const searchKind = search !== null ? customerSearch(search)?.kind : undefined;
  const activeItem = loaded?.items[active];
  return (
    <section className="worklist" aria-labelledby="worklist-title">
      <div className="panel-head">
        <h1 id="worklist-title" className="screen-title">
          {t('worklist.title')}
        </h1>
        <span className="muted">
          {loaded ? t('worklist.total', { count: loaded.total }) : t('worklist.loading')}
        </span>
        <span className="spacer" />
        <label className="worklist-sort">
          {t('worklistSort.label')}{' '}
          <select value={sort} onChange={(e) => chooseSort(e.target.value as WorklistSort)}>
            {WorklistSort.options.map((s) => (
              <option key={s} value={s}>
                {t(`worklistSort.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <form className="worklist-search" aria-label={t('worklist.search')} onSubmit={find}>
        <input
          type="search"
          name="search"
          aria-label={t('worklist.search')}
          placeholder={t('worklist.searchPlaceholder')}
          value={typed}
          maxLength={40}
          autoComplete="off"
          aria-invalid={searchError ? true : undefined}
          aria-describedby="worklist-search-note"
          onChange={(e) => setTyped(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && search !== null) clearSearch();
          }}
        />
        <button type="submit">{t('worklist.searchSubmit')}</button>
        {search !== null && (
          <button type="button" onClick={clearSearch}>
            {t('worklist.searchClear')}
          </button>
        )}
        <small id="worklist-search-note" className={searchError ? 'form-error' : 'hint'}>
          {searchError ?? (searchKind ? t(`worklist.searchBy.${searchKind}`) : t('worklist.searchHint'))}
        </small>
      </form>
      <div className="filters" role="toolbar" aria-label={t('worklist.filterLabel')}>
        <button
          type="button"
          className="chip"
          aria-pressed={types.length === 0}
          onClick={() => {
            setActive(0);
            setTypes([]);
          }}
        >
          {t('worklist.allTypes')}
        </button>
        {CALLBACK_TYPES.map((type) => (
          <button
            key={type}
            type="button"
            className="chip"
            aria-pressed={types.includes(type)}
            onClick={() => toggle(type)}
          >
            {t(`callbackType.${type}`)}
          </button>
        ))}
      </div>
      {line.kind === 'training' && (
        <p className="notice training-line" role="note">
          <span className="badge badge-training">{t('trainingLine.status')}</span>
          {line.info?.pbxConfigured ? t('trainingLine.worklistChosen') : t('trainingLine.worklistNoPbx')}
        </p>
      )}
      <ErrorLine text={error} />
      <div className="grid-head" aria-hidden="true">
        <span>{t('worklist.columns.deadline')}</span>
        <span>{t('worklist.columns.customer')}</span>
        <span>{t('worklist.columns.phone')}</span>
        <span>{t('worklist.columns.purposes')}</span>
        <span>{t('worklist.columns.attempts')}</span>
      </div>
      <div
        ref={scroller}
        className="list-scroll"
        role="listbox"
        tabIndex={0}
        aria-label={t('worklist.listLabel')}
        aria-activedescendant={activeItem ? `task-${activeItem.taskId}` : undefined}
        onKeyDown={onKeyDown}
      >
        {loaded && count === 0 && (
          <p className="empty">{t(search !== null ? 'worklist.noMatch' : 'worklist.empty')}</p>
        )}
        <div className="list-inner" style={{ height: virtualizer.getTotalSize() }}>
          {rows.map((row) => {
            const item = loaded?.items[row.index];
            const style = { transform: `translateY(${row.start}px)`, height: ROW_PX };
            if (!item) {
              return (
                <div key={row.key} className="row placeholder" style={style} aria-hidden="true">
                  {t('worklist.loading')}
                </div>
              );
            }
            const due = dueState(item.deadlineAt, now);
            return (
              // biome-ignore lint/a11y/useKeyWithClickEvents: the listbox handles the keys for its options
              <div
                key={item.taskId}
                id={`task-${item.taskId}`}
                role="option"
                tabIndex={-1}
                aria-selected={row.index === active}
                aria-posinset={row.index + 1}
                aria-setsize={count}
                className={`row due-${due}${item.taskId === props.openTaskId ? ' open' : ''}`}
                style={style}
                onClick={() => {
                  setActive(row.index);
                  props.onOpen(item.taskId);
                }}
              >
                <span className="deadline">
                  {formatShort(item.deadlineAt, i18n.language)}
                  {due !== 'later' && (
                    <span className={`badge badge-${due}`}>
                      {t(due === 'overdue' ? 'worklist.overdue' : 'worklist.dueToday')}
                    </span>
                  )}
                </span>
                <span className="customer">{item.customerName}</span>
                <span className="mono">{item.phoneMasked}</span>
                <span className="purposes">
                  {item.purposes.map((p) => (
                    <span key={p} className={`tag tag-${p}`}>
                      {t(`callbackType.${p}`)}
                    </span>
                  ))}
                </span>
                <span
                  className="num"
                  title={
                    item.lastAttemptAt
                      ? `${t('customerHistory.lastAttempt')}${t('common.colon')}${formatShort(item.lastAttemptAt, i18n.language)}`
                      : undefined
                  }
                >
                  {t('worklist.attempts', { count: item.attempts })}
                </span>
              </div>
            );
          })}
        </div>
      </div>
      <p className="hint">{t('worklist.keyboardHint')}</p>
    </section>
  );
}
