import { useTranslation } from 'react-i18next';
import { lengthCount } from './length';

export { fits } from './length';

/**
 * A text's length against the contract's limit, shown as it is typed (1,980 / 2,000). Over the limit it says
 * so, and the form refuses to send: the text is never cut silently (no `maxLength`, which truncates a paste).
 */
export function LengthCount({ id, text, max }: { id: string; text: string; max: number }) {
  const { t } = useTranslation();
  const { shown, over } = lengthCount(text, max);
  return (
    <small id={id} className={over > 0 ? 'form-error length-count' : 'hint length-count'}>
      {shown}
      {over > 0 && (
        <span role="alert">{` ${t('length.over', { count: over.toLocaleString('en-US'), max: max.toLocaleString('en-US') })}`}</span>
      )}
    </small>
  );
}
