/** A refused action, said where it happened; nothing when there is nothing to say. */
export function ErrorLine({ text }: { text: string | null }) {
  if (!text) return null;
  return (
    <p className="form-error" role="alert">
      {text}
    </p>
  );
}
